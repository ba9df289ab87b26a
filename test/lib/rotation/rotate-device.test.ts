import assert from 'node:assert/strict';
import { HttpPasswordChangeRefusedError, SerialMismatchError } from '../../../lib/errors';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import type { RotationEvent } from '../../../lib/rotation/rotation-steps';
import { ADMIN_PASSWORD } from '../../support/sim-devices';
import { RotationFixture } from './support/rotation-fixture';

describe('rotateDevice against the simulator', function () {
  this.timeout(15_000);
  const fx = new RotationFixture();
  beforeEach(() => fx.open());
  afterEach(() => fx.stop());

  it('rotates a camera: the vault and the device agree, the old password is history, no failed login', async () => {
    const camera = await fx.enrolledDevice({ requireLoginPassword: true });
    const events: RotationEvent[] = [];
    const outcome = await rotateDevice(fx.options(camera, { onEvent: (e) => void events.push(e) }));

    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, null);
    const record = fx.vault.get(camera.serialNumber);
    assert.ok(record);
    assert.equal(record.password, camera.state.admin.password);
    assert.notEqual(record.password, ADMIN_PASSWORD);
    assert.equal(record.pending, null);
    assert.equal(record.state, 'ok');
    assert.equal(record.lastRotation, outcome.rotatedAt);
    assert.deepEqual(
      record.previous.map((p) => p.password),
      [ADMIN_PASSWORD],
    );
    assert.equal(camera.counters.passwordChanges, 1);
    assert.equal(camera.counters.failedLogins, 0);
    // deviceInfo, capabilities, users, PUT, userCheck: each a challenge round trip plus the real one.
    assert.equal(camera.counters.requests, 10);
    assert.deepEqual(
      events.filter((e) => e.phase === 'done').map((e) => e.step),
      ['precheck', 'generate', 'persist_pending', 'apply', 'settle', 'verify', 'commit'],
    );
    assert.ok(!JSON.stringify(events).includes(record.password), 'events never carry the password');
  });

  it('rotates an NVR’s own admin password like a camera’s', async () => {
    const nvr = await fx.enrolledDevice({
      deviceType: 'NVR',
      namespace: 'http://www.isapi.org/ver20/XMLSchema',
      requireLoginPassword: true,
    });
    const outcome = await rotateDevice(fx.options(nvr));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(fx.vault.get(nvr.serialNumber)?.password, nvr.state.admin.password);
    assert.equal(nvr.counters.failedLogins, 0);
  });

  it('rotates a camera recorded by an NVR: the channel gets the new password and comes back online', async () => {
    const camera = await fx.enrolledDevice({}, { host: '127.0.0.21' });
    const other = await fx.enrolledDevice({}, { host: '127.0.0.22' });
    const nvr = await fx.enrolledDevice({ deviceType: 'NVR' }, { host: '127.0.0.23' });
    const recorded = nvr.addChannel({
      ipAddress: '127.0.0.21',
      managePortNo: camera.port ?? 0,
      userName: 'admin',
      password: ADMIN_PASSWORD,
    });
    const untouched = nvr.addChannel({
      ipAddress: '127.0.0.22',
      managePortNo: other.port ?? 0,
      userName: 'admin',
      password: ADMIN_PASSWORD,
    });

    const events: RotationEvent[] = [];
    const outcome = await rotateDevice(
      fx.options(camera, {
        consumers: [fx.recorderConsumer(nvr, { channelPort: camera.port ?? 0 })],
        onEvent: (e) => void events.push(e),
      }),
    );

    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, null);
    assert.deepEqual(outcome.consumers, [
      {
        id: `recorder_channel:${nvr.serialNumber}`,
        kind: 'recorder_channel',
        label: `recorder ${nvr.serialNumber}`,
        account: 'admin',
        status: 'updated',
        code: null,
        outOfDate: [],
      },
    ]);
    // The channel follows the moment the camera took the password, before the settle.
    assert.deepEqual(
      events.filter((e) => e.phase === 'done').map((e) => e.step),
      [
        'precheck',
        'generate',
        'persist_pending',
        'apply',
        'update_consumers',
        'settle',
        'verify',
        'commit',
        'confirm_consumers',
      ],
    );
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, []);
    const password = fx.vault.get(camera.serialNumber)?.password;
    assert.equal(password, camera.state.admin.password);
    assert.equal(nvr.state.channelById(recorded.id)?.password, password);
    assert.equal(nvr.state.channelById(untouched.id)?.password, ADMIN_PASSWORD);
    assert.equal(nvr.state.admin.password, ADMIN_PASSWORD, 'the recorder’s own password is not touched');
    for (const device of [camera, other, nvr]) assert.equal(device.counters.failedLogins, 0);
  });

  it('reports a recorder channel that does not come online, and still commits the camera’s new password', async () => {
    const camera = await fx.enrolledDevice({}, { host: '127.0.0.24' });
    const nvr = await fx.enrolledDevice({ deviceType: 'NVR' }, { host: '127.0.0.25' });
    // The channel points at a port where nothing answers.
    nvr.addChannel({ ipAddress: '127.0.0.24', managePortNo: 9, userName: 'admin', password: ADMIN_PASSWORD });
    const outcome = await rotateDevice(
      fx.options(camera, { consumers: [fx.recorderConsumer(nvr, { onlineTimeoutMs: 100 })] }),
    );
    assert.equal(outcome.result, 'rotated');
    assert.equal(outcome.reason, 'HIK_ERR_DEPENDENT_UPDATE');
    assert.deepEqual(outcome.consumers[0]?.outOfDate, ['recorder channel 1']);
    assert.equal(fx.vault.get(camera.serialNumber)?.password, camera.state.admin.password);
    // Not online with the new password: the vault keeps the recorder due for another update.
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, [
      `recorder_channel:${nvr.serialNumber}`,
    ]);
  });

  it('pins the certificate on first use over HTTPS and keeps the pin in the vault', async () => {
    const camera = await fx.enrolledDevice({}, { https: true });
    assert.equal(fx.vault.get(camera.serialNumber)?.tlsPin, null);
    const outcome = await rotateDevice(fx.options(camera, { allowHttpPasswordChange: false }));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    const pin = fx.vault.get(camera.serialNumber)?.tlsPin;
    assert.match(pin ?? '', /^[0-9A-F:]{64,}$/);

    camera.useCertificate('b');
    const refused = await rotateDevice(fx.options(camera));
    assert.equal(refused.result, 'failed');
    assert.equal(refused.reason, 'HIK_ERR_CERT_CHANGED');
    assert.equal(camera.counters.passwordChanges, 1);
  });

  it('refuses to change a password over plain HTTP without the per-device opt-in, sending nothing', async () => {
    const camera = await fx.enrolledDevice();
    const outcome = await rotateDevice(fx.options(camera, { allowHttpPasswordChange: false }));
    assert.equal(outcome.result, 'failed');
    assert.ok(outcome.error instanceof HttpPasswordChangeRefusedError);
    assert.equal(camera.counters.requests, 0);
    assert.equal(fx.vault.get(camera.serialNumber)?.password, ADMIN_PASSWORD);
  });

  it('sends no new password to a device whose serial is not the enrolled one', async () => {
    const enrolled = await fx.enrolledDevice();
    const impostor = await fx.sim.device({ serialNumber: 'DS-IMPOSTOR20240101AAWRJ00000001' });
    const outcome = await rotateDevice(
      fx.options(enrolled, {
        address: { host: impostor.host ?? '', port: impostor.port ?? 0, protocol: 'http' },
      }),
    );
    assert.equal(outcome.result, 'failed');
    assert.ok(outcome.error instanceof SerialMismatchError);
    assert.equal(impostor.counters.passwordChanges, 0);
    assert.equal(impostor.counters.requestsByPath.get('PUT /ISAPI/Security/users/1') ?? 0, 0);
    assert.equal(fx.vault.get(enrolled.serialNumber)?.pending, null);
  });

  it('skips a device while another rotation of it runs, and one flagged needs_attention', async () => {
    const camera = await fx.enrolledDevice();
    const [first, second] = await Promise.all([
      rotateDevice(fx.options(camera)),
      rotateDevice(fx.options(camera)),
    ]);
    assert.deepEqual([first.result, second.result].sort(), ['rotated', 'skipped']);
    assert.equal([first, second].find((o) => o.result === 'skipped')?.reason, 'HIK_ERR_ROTATION_BUSY');

    await fx.vault.markNeedsAttention(camera.serialNumber, 'checked by a test');
    const before = camera.counters.requests;
    const flagged = await rotateDevice(fx.options(camera));
    assert.equal(flagged.result, 'skipped');
    assert.equal(flagged.reason, 'HIK_ERR_NEEDS_ATTENTION');
    assert.equal(camera.counters.requests, before);
  });

  it('stops before the PUT when aborted, leaving nothing pending', async () => {
    const camera = await fx.enrolledDevice();
    const abort = new AbortController();
    const outcome = await rotateDevice(
      fx.options(camera, {
        signal: abort.signal,
        onEvent: (e) => {
          if (e.step === 'persist_pending' && e.phase === 'start') abort.abort();
        },
      }),
    );
    assert.equal(outcome.result, 'skipped');
    assert.equal(outcome.reason, 'aborted');
    assert.equal(camera.counters.passwordChanges, 0);
    assert.equal(fx.vault.get(camera.serialNumber)?.pending, null);
  });
});
