/**
 * The holders that log in with the streaming account (a `hik-device` Holders entry with the
 * account "streaming") get its password when it is created and each time it is rotated, right
 * after the device took it, write-ahead like the admin's consumers; the admin's holders are never
 * touched, and a streaming holder is never handed the admin password.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStreamingAccount,
  rotateStreamingAccount,
  STREAMING_ACCOUNT,
  streamingCredential,
  type StreamingAccountOptions,
} from '../../../lib/accounts/streaming-account';
import type {
  Consumer,
  ConsumerAccount,
  ConsumerCredential,
  ConsumerUpdateResult,
} from '../../../lib/consumers/consumer';
import { Go2rtcConsumer } from '../../../lib/consumers/go2rtc-consumer';
import { ConsumerRefusedError } from '../../../lib/errors';
import { refreshStaleConsumers } from '../../../lib/rotation/consumer-updates';
import { DeviceLocks } from '../../../lib/rotation/device-locks';
import type { RotationEvent } from '../../../lib/rotation/rotation-steps';
import { SimDevice } from '../../../sim';
import { Go2rtcStandIn } from '../../support/go2rtc-stand-in';
import { rtspLogin } from '../../support/rtsp-login';
import { ADMIN_PASSWORD, enrolSimDevice } from '../../support/sim-devices';
import { RotationFixture } from '../rotation/support/rotation-fixture';

const CAMERA_HOST = '127.0.0.46';
const GO2RTC_HOST = '127.0.0.47';
const VIEWER_ADDRESS = '127.0.0.48';

/** Test equipment for the orchestration: remembers what it was given; refuses while asked to. */
class HolderUnderTest implements Consumer {
  readonly kind = 'ha_generic';
  readonly id: string;
  readonly label: string;
  readonly given: ConsumerCredential[] = [];
  refusing = false;

  constructor(readonly account: ConsumerAccount) {
    this.id = `ha_generic:test:${account}`;
    this.label = `holder on the ${account} account`;
  }

  update(credential: ConsumerCredential): Promise<ConsumerUpdateResult> {
    this.given.push(credential);
    if (!this.refusing) return Promise.resolve({ status: 'updated', outOfDate: [] });
    const error = new ConsumerRefusedError(this.id, `${this.label} said no`);
    return Promise.resolve({ status: 'refused', error, outOfDate: [] });
  }
}

describe('holders of the streaming account', function () {
  this.timeout(20_000);
  const fixture = new RotationFixture();
  let camera: SimDevice;
  let go2rtc: Go2rtcStandIn | null = null;
  let dir: string;

  beforeEach(async () => {
    await fixture.open();
    dir = await mkdtemp(join(tmpdir(), 'hik-streaming-holders-'));
    camera = new SimDevice({ adminPassword: ADMIN_PASSWORD });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
    await enrolSimDevice(fixture.vault, camera, ADMIN_PASSWORD);
  });
  afterEach(async () => {
    await go2rtc?.stop();
    go2rtc = null;
    await camera.close();
    await fixture.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (consumers: Consumer[], more: Partial<StreamingAccountOptions> = {}) => ({
    vault: fixture.vault,
    serial: camera.serialNumber,
    guard: fixture.sim.guard,
    allowHttpPasswordChange: true,
    consumers,
    ...more,
  });
  const current = () => {
    const credential = streamingCredential(fixture.vault, camera.serialNumber);
    assert.ok(credential, 'the vault holds the streaming account');
    return credential;
  };

  it('moves a go2rtc stream to the account when it is created and keeps it in step with each rotation', async () => {
    go2rtc = await Go2rtcStandIn.start({
      host: GO2RTC_HOST,
      configFile: join(dir, 'go2rtc.yaml'),
      streams: { front: camera.streamUrl({ userName: 'admin', password: ADMIN_PASSWORD })! },
    });
    const holder = new Go2rtcConsumer({ key: 'g1', baseUrl: go2rtc.url, account: 'streaming' });
    const admins = new HolderUnderTest('admin');
    const steps: string[] = [];
    const onEvent = (e: RotationEvent) => {
      if (e.phase === 'done') steps.push(e.step);
    };

    const created = await createStreamingAccount(options([holder, admins], { onEvent }));
    assert.equal(created.result, 'created');
    assert.deepEqual(
      created.consumers.map((c) => [c.id, c.status]),
      [['go2rtc:g1:streaming', 'updated']],
    );
    assert.deepEqual(steps.slice(-4), ['verify', 'update_consumers', 'commit', 'confirm_consumers']);
    const source = go2rtc.sourcesOf('front')?.[0] ?? '';
    assert.equal(new URL(source).username, current().username, 'the stream logs in as the streaming user');
    assert.equal(await rtspLogin(source, { localAddress: VIEWER_ADDRESS }), 'ok');

    const first = current().password;
    const rotated = await rotateStreamingAccount(options([holder, admins]));
    assert.equal(rotated.result, 'rotated');
    assert.notEqual(current().password, first);
    const after = go2rtc.sourcesOf('front')?.[0] ?? '';
    assert.equal(decodeURIComponent(new URL(after).password), current().password, 'go2rtc holds it');
    assert.equal(await rtspLogin(after, { localAddress: VIEWER_ADDRESS }), 'ok');
    assert.deepEqual(admins.given, [], 'the admin holders were not touched');
    assert.deepEqual(fixture.vault.get(camera.serialNumber)?.staleConsumers, []);
    assert.equal(camera.state.admin.password, ADMIN_PASSWORD);
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('a holder that refused the rotation stays stale and is brought to the streaming password, never the admin one', async () => {
    const holder = new HolderUnderTest('streaming');
    await createStreamingAccount(options([holder]));
    holder.refusing = true;
    const rotated = await rotateStreamingAccount(options([holder]));
    assert.equal(rotated.result, 'rotated');
    assert.equal(rotated.consumers[0]?.status, 'refused');
    assert.deepEqual(fixture.vault.get(camera.serialNumber)?.staleConsumers, [holder.id]);

    holder.refusing = false;
    const reports = await refreshStaleConsumers({
      vault: fixture.vault,
      serial: camera.serialNumber,
      consumers: [holder],
      device: { serial: camera.serialNumber, host: CAMERA_HOST },
      locks: new DeviceLocks(),
    });
    assert.equal(reports[0]?.status, 'updated');
    assert.deepEqual(fixture.vault.get(camera.serialNumber)?.staleConsumers, []);
    const { username, password } = current();
    assert.deepEqual(holder.given.at(-1), { username, password });
    assert.ok(!holder.given.some((c) => c.password === ADMIN_PASSWORD), 'never the admin password');
    assert.equal(fixture.vault.get(camera.serialNumber)?.accounts[STREAMING_ACCOUNT]?.pending, null);
  });
});
