import assert from 'node:assert/strict';
import { OnvifUserConsumer } from '../../../lib/consumers/onvif-user-consumer';
import { CredentialManager, type ManagedDevice } from '../../../lib/rotation/credential-manager';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import type { SimDevice } from '../../../sim';
import { RotationFixture } from '../rotation/support/rotation-fixture';
import { ADMIN_PASSWORD } from '../../support/sim-devices';

const MEDIA_PASSWORD = 'Media-0nvif-77';

describe('ONVIF users kept in step with the rotated account', function () {
  this.timeout(15_000);
  const fixture = new RotationFixture();
  beforeEach(() => fixture.open());
  afterEach(() => fixture.stop());

  function consumer(device: SimDevice): OnvifUserConsumer {
    return new OnvifUserConsumer({
      vault: fixture.vault,
      serial: device.serialNumber,
      allowHttpPasswordChange: true,
      guard: fixture.sim.guard,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    });
  }

  function managed(device: SimDevice, more: Partial<ManagedDevice> = {}): ManagedDevice {
    return {
      key: 'cam',
      name: 'cam',
      host: device.host!,
      port: device.port!,
      protocol: 'http',
      username: 'admin',
      serial: device.serialNumber,
      allowHttpPasswordChange: true,
      recorder: false,
      enrolmentPassword: () => undefined,
      ...more,
    };
  }

  it('gives the mirror the new password in the same rotation, before the commit; other ONVIF users stay', async () => {
    const device = await fixture.enrolledDevice({
      onvifUsers: [
        { userName: 'admin', password: ADMIN_PASSWORD, userType: 'administrator' },
        { userName: 'media', password: MEDIA_PASSWORD, userType: 'mediaUser' },
      ],
    });
    const order: string[] = [];
    const outcome = await rotateDevice(
      fixture.options(device, {
        consumers: [consumer(device)],
        onEvent: (e) => {
          if (e.phase === 'done') order.push(e.step);
        },
      }),
    );
    assert.equal(outcome.result, 'rotated', outcome.error?.message);
    const current = fixture.vault.get(device.serialNumber)?.password;
    assert.notEqual(current, ADMIN_PASSWORD);
    assert.equal(device.state.accounts.onvifUserByName('admin')?.password, current);
    assert.equal(device.state.accounts.onvifUserByName('media')?.password, MEDIA_PASSWORD);
    assert.ok(order.indexOf('update_consumers') < order.indexOf('commit'), order.join(' '));
    assert.deepEqual(
      outcome.consumers.map((c) => [c.kind, c.status, c.outOfDate]),
      [['onvif_user', 'updated', []]],
    );
    assert.equal(device.counters.failedLogins, 0);
  });

  it('leaves firmware without ONVIF user management and devices without a mirror alone', async () => {
    const old = await fixture.enrolledDevice({ onvifUserManagement: false });
    const none = await fixture.enrolledDevice({
      onvifUsers: [{ userName: 'media', password: MEDIA_PASSWORD, userType: 'mediaUser' }],
    });
    for (const device of [old, none]) {
      const outcome = await rotateDevice(fixture.options(device, { consumers: [consumer(device)] }));
      assert.equal(outcome.result, 'rotated');
      assert.equal(outcome.consumers[0]?.status, 'updated');
      assert.equal(device.counters.failedLogins, 0);
    }
    assert.equal(none.state.accounts.onvifUserByName('media')?.password, MEDIA_PASSWORD);
  });

  it('is on by default for managed devices and can be turned off per device', async () => {
    const device = await fixture.enrolledDevice({
      onvifUsers: [{ userName: 'admin', password: ADMIN_PASSWORD, userType: 'administrator' }],
    });
    const manager = (more: Partial<ManagedDevice>) =>
      new CredentialManager({
        vault: fixture.vault,
        devices: [managed(device, more)],
        settleMs: 5,
        guard: fixture.sim.guard,
      });
    const off = await manager({ keepOnvifUsersInStep: false }).rotate(
      managed(device, { keepOnvifUsersInStep: false }),
    );
    assert.equal(off.result, 'rotated');
    assert.equal(device.state.accounts.onvifUserByName('admin')?.password, ADMIN_PASSWORD);
    const on = await manager({}).rotate(managed(device));
    assert.equal(on.result, 'rotated');
    assert.equal(
      device.state.accounts.onvifUserByName('admin')?.password,
      fixture.vault.get(device.serialNumber)?.password,
    );
  });

  it('a crash after the device took the password and before the mirror was updated is finished by reconcile', async () => {
    const device = await fixture.enrolledDevice({
      onvifUsers: [{ userName: 'admin', password: ADMIN_PASSWORD, userType: 'administrator' }],
    });
    const serial = device.serialNumber;
    const mirror = consumer(device);
    // What a process killed right after the device's change leaves behind.
    await fixture.vault.writePending(serial, 'Next-Adm1n!pass', { consumers: [mirror.id] });
    await fixture.vault.noteRequestSent(serial);
    device.setPassword('admin', 'Next-Adm1n!pass');
    const manager = new CredentialManager({
      vault: fixture.vault,
      devices: [managed(device)],
      settleMs: 5,
      guard: fixture.sim.guard,
    });
    const [reconciled] = await manager.reconcilePending();
    assert.equal(reconciled?.reason, 'kept_pending');
    assert.deepEqual(fixture.vault.get(serial)?.staleConsumers, [mirror.id]);
    const refreshed = await manager.refreshConsumers(managed(device));
    assert.deepEqual(
      refreshed.map((r) => [r.id, r.status, r.outOfDate]),
      [[mirror.id, 'updated', []]],
    );
    assert.equal(device.state.accounts.onvifUserByName('admin')?.password, 'Next-Adm1n!pass');
    assert.deepEqual(fixture.vault.get(serial)?.staleConsumers, []);
    assert.equal(device.counters.failedLogins, 0);
  });
});
