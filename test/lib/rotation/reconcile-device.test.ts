import assert from 'node:assert/strict';
import { DeviceTimeoutError, DeviceUnreachableError } from '../../../lib/errors';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { reconcileDevice } from '../../../lib/rotation/reconcile-device';
import { verifyDevice } from '../../../lib/rotation/verify-device';
import { ADMIN_PASSWORD, rejection } from '../../support/sim-devices';
import { RotationFixture } from './support/rotation-fixture';

const PENDING = 'Pend1ng-Passw0rd';

describe('reconcileDevice: one try with the current password, then one with the pending', function () {
  this.timeout(15_000);
  const fx = new RotationFixture();
  beforeEach(() => fx.open());
  afterEach(() => fx.stop());

  it('does not contact a device with nothing pending', async () => {
    const camera = await fx.enrolledDevice();
    assert.equal((await reconcileDevice(fx.options(camera))).resolution, 'nothing_pending');
    assert.equal(camera.counters.requests, 0);
  });

  it('keeps the current password when the device never got the pending one (no failed login)', async () => {
    const camera = await fx.enrolledDevice();
    await fx.vault.writePending(camera.serialNumber, PENDING);
    const outcome = await reconcileDevice(fx.options(camera));
    assert.equal(outcome.resolution, 'current');
    const record = fx.vault.get(camera.serialNumber);
    assert.equal(record?.password, ADMIN_PASSWORD);
    assert.equal(record.pending, null);
    assert.equal(record.state, 'ok');
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('adopts the pending password when the device has it, keeping the old one in history (one failed login)', async () => {
    const camera = await fx.enrolledDevice();
    await fx.vault.writePending(camera.serialNumber, PENDING);
    camera.setPassword('admin', PENDING); // the PUT went through before the crash
    const outcome = await reconcileDevice(fx.options(camera));
    assert.equal(outcome.resolution, 'pending');
    const record = fx.vault.get(camera.serialNumber);
    assert.equal(record?.password, PENDING);
    assert.equal(record.previous[0]?.password, ADMIN_PASSWORD);
    assert.equal(camera.counters.failedLogins, 1);
  });

  it('flags needs_attention when neither works, and never tries again', async () => {
    const camera = await fx.enrolledDevice();
    await fx.vault.writePending(camera.serialNumber, PENDING);
    camera.setPassword('admin', 'S0meone-Else!');
    const outcome = await reconcileDevice(fx.options(camera));
    assert.deepEqual(outcome, {
      serial: camera.serialNumber,
      resolution: 'needs_attention',
      reason: 'neither_password_works',
    });
    assert.equal(camera.counters.failedLogins, 2);
    const record = fx.vault.get(camera.serialNumber);
    assert.equal(record?.state, 'needs_attention');
    assert.equal(record.password, ADMIN_PASSWORD);
    assert.equal(record.pending?.password, PENDING);

    // A new process (fresh guard): the vault state alone stops it.
    fx.sim.guard = new LoginGuard();
    const requests = camera.counters.requests;
    assert.equal((await reconcileDevice(fx.options(camera))).resolution, 'needs_attention');
    assert.equal((await verifyDevice(fx.options(camera))).resolution, 'needs_attention');
    assert.equal(camera.counters.requests, requests);
  });

  it('a refused current password is remembered in the vault: after a restart only the pending one is tried', async () => {
    const camera = await fx.enrolledDevice();
    await fx.vault.writePending(camera.serialNumber, PENDING);
    camera.setPassword('admin', PENDING); // the PUT went through before the crash
    // The current password is refused, then the device stops answering before the pending one.
    camera.faults.inject({
      kind: 'hang',
      path: '/ISAPI/System/deviceInfo',
      withCredentials: true,
      after: 1,
      times: 1,
    });
    const err = await rejection(reconcileDevice(fx.options(camera, { requestTimeoutMs: 300 })));
    assert.ok(err instanceof DeviceTimeoutError);
    assert.equal(camera.counters.failedLogins, 1);
    assert.ok(fx.vault.get(camera.serialNumber)?.pending?.currentRejectedAt, 'the refusal is on disk');
    camera.faults.clear();

    // A new process: a fresh login guard, the vault as the file holds it.
    fx.sim.guard = new LoginGuard();
    await fx.reopen();
    assert.equal((await reconcileDevice(fx.options(camera))).resolution, 'pending');
    assert.equal(camera.counters.failedLogins, 1, 'the refused password was not sent again');
    const record = fx.vault.get(camera.serialNumber);
    assert.equal(record?.password, PENDING);
    assert.equal(record.pending, null);
  });

  it('leaves the record pending when the device cannot be asked', async () => {
    const camera = await fx.enrolledDevice();
    await fx.vault.writePending(camera.serialNumber, PENDING);
    await camera.close();
    const err = await rejection(reconcileDevice(fx.options(camera)));
    assert.ok(err instanceof DeviceUnreachableError);
    assert.equal(fx.vault.get(camera.serialNumber)?.pending?.password, PENDING);
  });

  it('verifyDevice records the verification time, and flags a rejected current password', async () => {
    const camera = await fx.enrolledDevice();
    const verified = await verifyDevice({ ...fx.options(camera), clock: () => Date.UTC(2026, 0, 2) });
    assert.equal(verified.resolution, 'verified');
    assert.equal(fx.vault.get(camera.serialNumber)?.lastVerification, '2026-01-02T00:00:00.000Z');

    camera.setPassword('admin', 'Changed-By-S0meone');
    const flagged = await verifyDevice(fx.options(camera));
    assert.equal(flagged.resolution, 'needs_attention');
    assert.equal(flagged.reason, 'current_password_rejected');
    assert.equal(camera.counters.failedLogins, 1);
  });
});
