/**
 * The consumers' part of a rotation against the simulator: when they are updated (right after the
 * device accepted the password, fastest retriers first), what the vault remembers about those not
 * reached, how they are retried with the vault's current password, and that no consumer is ever
 * handed an old password. The recording consumer below is test equipment for the orchestration
 * only; the recorder channel consumer is the real one against a simulated NVR.
 */
import assert from 'node:assert/strict';
import type {
  Consumer,
  ConsumerAccount,
  ConsumerCredential,
  ConsumerKind,
  ConsumerUpdateResult,
} from '../../../lib/consumers/consumer';
import { ConsumerRefusedError, ConsumerUnreachableError } from '../../../lib/errors';
import { refreshStaleConsumers } from '../../../lib/rotation/consumer-updates';
import { DeviceLocks } from '../../../lib/rotation/device-locks';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import type { RotationEvent } from '../../../lib/rotation/rotation-steps';
import type { SimDevice } from '../../../sim';
import { ADMIN_PASSWORD } from '../../support/sim-devices';
import { RotationFixture } from './support/rotation-fixture';

/** Remembers every password it was given and when; refuses while `refusing`. */
class RecordingConsumer implements Consumer {
  readonly id: string;
  readonly label: string;
  readonly given: { password: string; at: number }[] = [];
  refusing = false;
  /** How many of the next updates meet an outage. */
  unreachableTries = 0;

  constructor(
    readonly kind: ConsumerKind,
    readonly account: ConsumerAccount = 'admin',
    private readonly started: string[] = [],
  ) {
    this.id = `${kind}:test`;
    this.label = `${kind} under test`;
  }

  update(credential: ConsumerCredential): Promise<ConsumerUpdateResult> {
    this.started.push(this.kind);
    this.given.push({ password: credential.password, at: Date.now() });
    if (this.unreachableTries > 0) {
      this.unreachableTries -= 1;
      const error = new ConsumerUnreachableError(this.id, `${this.label} did not answer`);
      return Promise.resolve({ status: 'unreachable', error, outOfDate: [] });
    }
    if (this.refusing) {
      const error = new ConsumerRefusedError(this.id, `${this.label} said no`);
      return Promise.resolve({ status: 'refused', error, outOfDate: [] });
    }
    return Promise.resolve({ status: 'updated', outOfDate: [] });
  }
}

describe('consumers of a rotated password', function () {
  this.timeout(20_000);
  const fx = new RotationFixture();
  beforeEach(() => fx.open());
  afterEach(() => fx.stop());

  /** An enrolled camera at `cameraHost` recorded by an enrolled NVR at `nvrHost` (one channel). */
  async function recordedCamera(
    cameraHost: string,
    nvrHost: string,
    nvrOptions: { channelLoginEveryMs?: number } = {},
  ) {
    const camera = await fx.enrolledDevice({}, { host: cameraHost });
    const nvr = await fx.enrolledDevice({ deviceType: 'NVR', ...nvrOptions }, { host: nvrHost });
    const channel = nvr.addChannel({
      ipAddress: cameraHost,
      managePortNo: camera.port ?? 0,
      userName: 'admin',
      password: ADMIN_PASSWORD,
    });
    return { camera, nvr, channel };
  }

  it('are updated the moment the device took the password, before the settle, fastest retriers first', async () => {
    const camera = await fx.enrolledDevice({ requireLoginPassword: true });
    const started: string[] = [];
    const ha = new RecordingConsumer('ha_generic', 'admin', started);
    const go2rtc = new RecordingConsumer('go2rtc', 'admin', started);
    const frigate = new RecordingConsumer('frigate', 'admin', started);
    const streaming = new RecordingConsumer('ha_onvif', 'streaming', started);
    const events: RotationEvent[] = [];
    let applied = 0;
    const outcome = await rotateDevice(
      fx.options(camera, {
        consumers: [ha, frigate, go2rtc, streaming],
        settleMs: 300,
        onEvent: (e) => {
          events.push(e);
          if (e.step === 'apply' && e.phase === 'done') applied = Date.now();
        },
      }),
    );
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, null);
    assert.deepEqual(started, ['go2rtc', 'frigate', 'ha_generic']);
    const steps = events.filter((e) => e.phase === 'start').map((e) => e.step);
    assert.ok(steps.indexOf('update_consumers') < steps.indexOf('settle'), steps.join(' '));
    const password = fx.vault.get(camera.serialNumber)?.password;
    assert.equal(password, camera.state.admin.password);
    for (const consumer of [go2rtc, frigate, ha]) {
      assert.deepEqual(
        consumer.given.map((g) => g.password),
        [password],
      );
      // Well inside the settle: the consumers did not wait for it.
      assert.ok(consumer.given[0]!.at - applied < 250, `${consumer.kind} waited for the settle`);
    }
    assert.equal(
      streaming.given.length,
      0,
      'a streaming-account consumer is not touched by an admin rotation',
    );
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, []);
  });

  it('a refusing consumer: the rotation commits, the vault keeps it stale, a retry gives it the current password only', async () => {
    const camera = await fx.enrolledDevice();
    const go2rtc = new RecordingConsumer('go2rtc');
    go2rtc.refusing = true;
    const outcome = await rotateDevice(fx.options(camera, { consumers: [go2rtc] }));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, 'HIK_ERR_CONSUMER_REFUSED');
    assert.equal(outcome.consumers[0]?.status, 'refused');
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, [go2rtc.id]);

    const retry = () =>
      refreshStaleConsumers({
        vault: fx.vault,
        serial: camera.serialNumber,
        consumers: [go2rtc],
        device: { serial: camera.serialNumber, host: camera.host ?? '' },
        locks: new DeviceLocks(),
      });
    assert.equal((await retry())[0]?.status, 'refused');
    go2rtc.refusing = false;
    assert.equal((await retry())[0]?.status, 'updated');
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, []);
    assert.deepEqual(await retry(), [], 'nothing stale: nothing sent');
    const current = camera.state.admin.password;
    assert.deepEqual(
      go2rtc.given.map((g) => g.password),
      [current, current, current],
    );
    assert.ok(!go2rtc.given.some((g) => g.password === ADMIN_PASSWORD), 'never the old password');
  });

  it('a recorder that logs in every second causes no failed login at the camera', async () => {
    const { camera, nvr, channel } = await recordedCamera('127.0.0.31', '127.0.0.32', {
      channelLoginEveryMs: 1_000,
    });
    await loginRounds(nvr, channel.id, 1);
    const outcome = await rotateDevice(
      fx.options(camera, { consumers: [fx.recorderConsumer(nvr)], settleMs: 2_000 }),
    );
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, null);
    await loginRounds(nvr, channel.id, 1); // one more round with the new password
    assert.equal(camera.counters.failedLoginsByIp.get('127.0.0.32') ?? 0, 0);
    assert.equal(nvr.channelLogins.get(channel.id)?.refused ?? 0, 0);
    assert.equal(nvr.state.channelById(channel.id)?.password, camera.state.admin.password);
  });

  it('a recorder busy for a moment is updated by the second try a second later, nothing left stale', async () => {
    const { camera, nvr, channel } = await recordedCamera('127.0.0.35', '127.0.0.36');
    nvr.faults.inject({ kind: 'busy', method: 'PUT', path: /InputProxy\/channels\/\d+$/, times: 1 });
    const outcome = await rotateDevice(fx.options(camera, { consumers: [fx.recorderConsumer(nvr)] }));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, null);
    assert.equal(outcome.consumers[0]?.status, 'updated');
    assert.equal(nvr.state.channelById(channel.id)?.password, camera.state.admin.password);
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, []);
  });

  it('a consumer unreachable twice is left stale; both tries carried the new password only', async () => {
    const camera = await fx.enrolledDevice();
    const go2rtc = new RecordingConsumer('go2rtc');
    go2rtc.unreachableTries = 2;
    const outcome = await rotateDevice(fx.options(camera, { consumers: [go2rtc] }));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.reason, 'HIK_ERR_CONSUMER_UNREACHABLE');
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, [go2rtc.id]);
    const [first, second] = go2rtc.given;
    assert.equal(go2rtc.given.length, 2);
    assert.ok(first && second && second.at - first.at >= 900, 'the second try waited about a second');
    assert.deepEqual(
      go2rtc.given.map((g) => g.password),
      [camera.state.admin.password, camera.state.admin.password],
    );
  });

  it('a busy recorder that missed the update is brought to the current password by the retry', async () => {
    const { camera, nvr, channel } = await recordedCamera('127.0.0.33', '127.0.0.34');
    // Busy for the update and for its second try a second later.
    nvr.faults.inject({ kind: 'busy', method: 'PUT', path: /InputProxy\/channels\/\d+$/, times: 2 });
    const recorder = fx.recorderConsumer(nvr);
    const outcome = await rotateDevice(fx.options(camera, { consumers: [recorder] }));
    assert.equal(outcome.result, 'rotated', String(outcome.error));
    assert.equal(outcome.consumers[0]?.status, 'unreachable');
    assert.deepEqual(outcome.consumers[0].outOfDate, [`recorder channel ${channel.id}`]);
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, [recorder.id]);
    assert.equal(nvr.state.channelById(channel.id)?.password, ADMIN_PASSWORD);

    const reports = await refreshStaleConsumers({
      vault: fx.vault,
      serial: camera.serialNumber,
      consumers: [recorder],
      device: { serial: camera.serialNumber, host: '127.0.0.33' },
      locks: new DeviceLocks(),
    });
    assert.equal(reports[0]?.status, 'updated');
    assert.deepEqual(reports[0].outOfDate, [], 'the channel is online again');
    assert.equal(nvr.state.channelById(channel.id)?.password, camera.state.admin.password);
    assert.deepEqual(fx.vault.get(camera.serialNumber)?.staleConsumers, []);
  });
});

/** Waits (bounded) until the recorder finished `rounds` more logins on the channel. */
async function loginRounds(nvr: SimDevice, channelId: number, rounds: number): Promise<void> {
  const count = () => {
    const tally = nvr.channelLogins.get(channelId);
    return tally ? tally.online + tally.refused + tally.unreachable : 0;
  };
  const target = count() + rounds;
  const deadline = Date.now() + 5_000;
  while (count() < target) {
    if (Date.now() > deadline) throw new Error('the recorder did not log in to its channel');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
