/**
 * Device faults during a rotation. Whatever happens, the vault ends up holding the password the
 * device really has (at once, or after the reconcile a later run does), nothing is locked, and
 * no password is tried twice.
 */
import assert from 'node:assert/strict';
import { IsapiStatusError } from '../../../lib/errors';
import { reconcileDevice } from '../../../lib/rotation/reconcile-device';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import type { RotationEvent } from '../../../lib/rotation/rotation-steps';
import type { SimDevice } from '../../../sim';
import { ADMIN_PASSWORD } from '../../support/sim-devices';
import { RotationFixture } from './support/rotation-fixture';

const PUT_USER = { method: 'PUT', path: '/ISAPI/Security/users/1', withCredentials: true } as const;

describe('rotation under device faults', function () {
  this.timeout(20_000);
  const fx = new RotationFixture();
  beforeEach(() => fx.open());
  afterEach(() => fx.stop());

  function assertVaultMatches(device: SimDevice): void {
    const record = fx.vault.get(device.serialNumber);
    assert.equal(record?.pending, null, 'nothing left pending');
    assert.equal(record.password, device.state.admin.password, 'the vault holds the device’s real password');
  }

  /** Reconcile as a later run would: a new process (fresh guard) once the device is back. */
  async function laterReconcile(device: SimDevice) {
    await device.whenUp();
    return reconcileDevice({ ...fx.options(device), guard: fx.sim.guard });
  }

  it('timeout after the PUT was applied (device reboots mid-request): reconciled to the new password', async () => {
    const camera = await fx.enrolledDevice();
    camera.faults.inject({ kind: 'rebootMidRequest', applyBeforeFailing: true, times: 1, ...PUT_USER });
    const outcome = await rotateDevice(fx.options(camera));
    assert.equal(outcome.result, 'failed');
    assert.equal(fx.vault.get(camera.serialNumber)?.state, 'pending', 'kept for reconcile, nothing guessed');
    assert.equal(camera.counters.passwordChanges, 1);

    const settled = await laterReconcile(camera);
    assert.equal(settled.resolution, 'pending');
    assertVaultMatches(camera);
    assert.notEqual(camera.state.admin.password, ADMIN_PASSWORD);
    assert.equal(camera.counters.failedLogins, 0, 'the request went out: the new password first, no refusal');
  });

  it('connection reset before the PUT arrived: the current password still works, pending dropped', async () => {
    const camera = await fx.enrolledDevice();
    camera.faults.inject({ kind: 'dropConnection', times: 1, ...PUT_USER });
    const outcome = await rotateDevice(fx.options(camera));
    assert.equal(outcome.result, 'failed');
    assert.equal(outcome.reason, 'HIK_ERR_UNREACHABLE');
    assertVaultMatches(camera);
    assert.equal(camera.state.admin.password, ADMIN_PASSWORD);
    // The request had gone out, so the new password was the likelier one and was tried first: the
    // price of a request lost before it arrived is one refusal (a crash after it costs none).
    assert.equal(camera.counters.failedLogins, 1);
  });

  it('503 busy on the PUT: nothing changed, pending dropped without asking the device again', async () => {
    const camera = await fx.enrolledDevice();
    camera.faults.inject({ kind: 'busy', times: 1, ...PUT_USER });
    const outcome = await rotateDevice(fx.options(camera));
    assert.equal(outcome.result, 'failed');
    assert.equal(outcome.reason, 'HIK_ERR_DEVICE_BUSY');
    assertVaultMatches(camera);
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('reboot between the PUT and the verification: reconciled once the device is back', async () => {
    const camera = await fx.enrolledDevice();
    const outcome = await rotateDevice(
      fx.options(camera, {
        onEvent: async (e: RotationEvent) => {
          if (e.step === 'settle' && e.phase === 'start') await camera.reboot();
        },
      }),
    );
    // The device came back with the new password before verify: nothing was lost either way.
    if (outcome.result !== 'rotated') assert.equal((await laterReconcile(camera)).resolution, 'pending');
    assertVaultMatches(camera);
    assert.ok(camera.counters.failedLogins <= 1);
  });

  it('reboot while verifying: the verification fails to connect, the next reconcile adopts the new password', async () => {
    const camera = await fx.enrolledDevice({ rebootMs: 200 });
    const outcome = await rotateDevice(
      fx.options(camera, {
        onEvent: (e: RotationEvent) => {
          if (e.step === 'settle' && e.phase === 'done') camera.rebootInBackground();
        },
      }),
    );
    assert.equal(outcome.result, 'failed');
    assert.equal(outcome.reason, 'HIK_ERR_UNREACHABLE');
    assert.equal((await laterReconcile(camera)).resolution, 'pending');
    assertVaultMatches(camera);
    assert.equal(camera.counters.failedLogins, 0, 'the new password first: no refusal');
  });

  it('a password the device’s rules reject: refused, nothing changed, no login spent', async () => {
    const camera = await fx.enrolledDevice({ requireLoginPassword: true });
    const outcome = await rotateDevice(fx.options(camera, { passwordGenerator: () => 'aaaaaaaa' }));
    assert.equal(outcome.result, 'failed');
    assert.ok(outcome.error instanceof IsapiStatusError);
    assert.equal(outcome.error.statusCode, 4);
    assertVaultMatches(camera);
    assert.equal(camera.state.admin.password, ADMIN_PASSWORD);
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('device locked by someone else: nothing is sent with credentials, the lock is not restarted', async () => {
    const camera = await fx.enrolledDevice({ maxAdminFailures: 1 });
    fx.sim.allowThirdPartyLock(camera);
    // Another program on this host (same IP) gets the password wrong once: the IP is locked.
    await fx.sim
      .outsider(camera)
      .request('GET', '/ISAPI/System/deviceInfo', {
        credential: { username: 'admin', password: 'Wrong-0ne!' },
      })
      .catch(() => undefined);
    assert.equal(camera.counters.locksTriggered, 1);
    const before = camera.counters.failedLogins;
    const outcome = await rotateDevice(fx.options(camera));
    assert.equal(outcome.result, 'failed');
    assert.equal(outcome.reason, 'HIK_ERR_DEVICE_LOCKED');
    assert.equal(camera.counters.failedLogins, before);
    assert.equal(camera.counters.lockRejections, 0);
    assertVaultMatches(camera);
  });

  it('factory reset mid-rotation: flagged needs_attention, both passwords kept, nothing guessed', async () => {
    const camera = await fx.enrolledDevice();
    const outcome = await rotateDevice(
      fx.options(camera, {
        onEvent: async (e: RotationEvent) => {
          if (e.step === 'settle' && e.phase === 'start') await camera.factoryReset();
        },
      }),
    );
    assert.equal(outcome.result, 'needs_attention');
    const record = fx.vault.get(camera.serialNumber);
    assert.equal(record?.state, 'needs_attention');
    assert.equal(record.attentionReason, 'not_activated');
    assert.equal(record.password, ADMIN_PASSWORD);
    assert.ok(record.pending, 'the generated password is kept too');
    assert.equal(camera.counters.failedLogins, 0);
    const requests = camera.counters.requests;
    assert.equal((await reconcileDevice(fx.options(camera))).resolution, 'needs_attention');
    assert.equal(camera.counters.requests, requests, 'a flagged device is left alone');
  });
});
