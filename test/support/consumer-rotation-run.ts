/**
 * One rotation of a camera that other software holds the password of, measured from outside
 * (the done-when scenario of issue 13; used by test/lib/rotation/consumer-rotation.test.ts and
 * bench/consumers.bench.ts): a simulated camera with RTSP, a simulated NVR whose channel logs in to
 * it every second, the go2rtc stand-in streaming it to a viewer (go2rtc reconnects after 1 s), and a
 * Home Assistant generic camera entry (test server) whose stream worker logs in every second.
 * At a random moment within 2 s after the camera accepted the new password its live RTSP sessions
 * drop (a network blip, or firmware that ends sessions on a password change), so go2rtc logs in
 * again (at once, then on its 1 s cadence) with whatever it holds by then.
 * Counted at the camera, per client address: failed logins of the NVR and of go2rtc, and locks.
 * Each address is its own loopback address; nothing leaves 127.0.0.0/8.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, ConsumerCredential, ConsumerUpdateContext } from '../../lib/consumers/consumer';
import { Go2rtcConsumer } from '../../lib/consumers/go2rtc-consumer';
import { HaIntegrationConsumer } from '../../lib/consumers/ha-integration-consumer';
import { HaLink } from '../../lib/homeassistant/ha-link';
import { RecorderChannelConsumer } from '../../lib/consumers/recorder-channel-consumer';
import { LoginGuard } from '../../lib/isapi/login-guard';
import { DeviceLocks } from '../../lib/rotation/device-locks';
import { rotateDevice, type RotationOutcome } from '../../lib/rotation/rotate-device';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { SimDevice } from '../../sim';
import { Go2rtcStandIn } from './go2rtc-stand-in';
import { HaTestServer } from './ha-test-server';

const PASSWORD = 'Cam3ra-Admin!';
const HA_TOKEN = 'consumer-run-ha-admin-token';

export interface ConsumerRunFigures {
  outcome: RotationOutcome;
  /** Failed logins at the camera by each consumer's address. */
  failedLogins: { recorder: number; go2rtc: number; homeassistant: number };
  /** ms from the camera's acceptance of the new password until each consumer held it. */
  heldAfterMs: { recorder: number | null; go2rtc: number | null; homeassistant: number | null };
  locks: number;
  /** Whether the camera, the recorder's channel, go2rtc and HA hold the vault's password at the end. */
  inStep: boolean;
}

export interface ConsumerRunOptions {
  /** A /24-free block of loopback addresses: camera .1, NVR .2, go2rtc .3, HA .4 after this prefix. */
  hostPrefix: string;
  settleMs?: number;
}

export async function runConsumerRotation(options: ConsumerRunOptions): Promise<ConsumerRunFigures> {
  const [cameraHost, nvrHost, go2rtcHost, haHost] = [1, 2, 3, 4].map((n) => `${options.hostPrefix}${n}`) as [
    string,
    string,
    string,
    string,
  ];
  const dir = await mkdtemp(join(tmpdir(), 'hik-consumers-'));
  const camera = new SimDevice({ adminPassword: PASSWORD, requireLoginPassword: true });
  const nvr = new SimDevice({ adminPassword: PASSWORD, deviceType: 'NVR', channelLoginEveryMs: 1_000 });
  let go2rtc: Go2rtcStandIn | null = null;
  let detach: (() => void) | null = null;
  let ha: HaTestServer | null = null;
  let link: HaLink | null = null;
  const vault = await CredentialVault.open(join(dir, 'vault.json'), 'consumer-run-secret');
  try {
    await camera.listen({ host: cameraHost, port: 0, rtspPort: 0 });
    await nvr.listen({ host: nvrHost, port: 0 });
    const channel = nvr.addChannel({
      ipAddress: cameraHost,
      managePortNo: camera.port ?? 0,
      userName: 'admin',
      password: PASSWORD,
    });
    go2rtc = await Go2rtcStandIn.start({
      host: go2rtcHost,
      streams: { front: camera.streamUrl({ userName: 'admin', password: PASSWORD }) ?? '' },
    });
    detach = go2rtc.attachViewer('front');
    ha = await HaTestServer.start({
      tokens: { [HA_TOKEN]: { isAdmin: true } },
      clientAddress: haHost,
      streamStepMs: 1_000,
    });
    const entryId = ha.core.configEntries.add({
      domain: 'generic',
      title: 'Front',
      options: {
        stream_source: camera.streamUrl({ userName: 'admin', password: PASSWORD }),
        username: 'admin',
        password: PASSWORD,
        verify_ssl: false,
      },
    });
    const haLink = new HaLink({ url: ha.url, token: HA_TOKEN, describe: () => ({ title: '', message: '' }) });
    link = haLink;
    haLink.start();
    for (const device of [camera, nvr]) {
      await vault.enrol({
        serial: device.serialNumber,
        username: 'admin',
        password: PASSWORD,
        host: device.host ?? '',
        port: device.port ?? 0,
        protocol: 'http',
      });
    }
    const guard = new LoginGuard();
    await until(() => go2rtc?.producersOf('front')[0]?.streaming === true, 'go2rtc never streamed');
    await until(() => (nvr.channelLogins.get(channel.id)?.online ?? 0) > 0, 'the NVR never logged in');
    await until(() => haLink.status.kind === 'connected', 'the Home Assistant link never connected');
    await until(() => (ha?.core.configEntries.consumerOf(entryId)?.tally.ok ?? 0) > 0, 'HA never streamed');

    let acceptedAt = 0;
    const drop: { timer?: NodeJS.Timeout } = {};
    const heldAt = new Map<string, number>();
    const timed = (consumer: Consumer): Consumer => ({
      kind: consumer.kind,
      id: consumer.id,
      label: consumer.label,
      account: consumer.account,
      update: async (credential: ConsumerCredential, context: ConsumerUpdateContext) => {
        const result = await consumer.update(credential, context);
        if (result.status === 'updated') heldAt.set(consumer.kind, Date.now());
        return result;
      },
      ...(consumer.confirm ? { confirm: consumer.confirm.bind(consumer) } : {}),
    });
    const outcome = await rotateDevice({
      vault,
      serial: camera.serialNumber,
      guard,
      locks: new DeviceLocks(),
      allowHttpPasswordChange: true,
      settleMs: options.settleMs ?? 2_000,
      consumers: [
        timed(
          new RecorderChannelConsumer({ vault, recorder: { serial: nvr.serialNumber }, guard, pollMs: 200 }),
        ),
        timed(new Go2rtcConsumer({ key: 'bench', baseUrl: go2rtc.url })),
        timed(
          new HaIntegrationConsumer({ key: 'bench', domain: 'generic', entry: 'Front', link: () => haLink }),
        ),
      ],
      onEvent: (event) => {
        if (event.step === 'apply' && event.phase === 'done') {
          acceptedAt = Date.now();
          drop.timer = setTimeout(() => camera.dropStreamSessions(), Math.random() * 2_000);
        }
      },
    });
    // The drop has happened, then two more NVR rounds and go2rtc's reconnects.
    await new Promise((resolve) => setTimeout(resolve, 2_200 - (Date.now() - acceptedAt) + 2_200));
    clearTimeout(drop.timer);
    const password = vault.get(camera.serialNumber)?.password;
    const after = (kind: string): number | null => {
      const at = heldAt.get(kind);
      return at === undefined ? null : at - acceptedAt;
    };
    return {
      outcome,
      failedLogins: {
        recorder: camera.counters.failedLoginsByIp.get(nvrHost) ?? 0,
        go2rtc: camera.counters.failedLoginsByIp.get(go2rtcHost) ?? 0,
        homeassistant: camera.counters.failedLoginsByIp.get(haHost) ?? 0,
      },
      heldAfterMs: {
        recorder: after('recorder_channel'),
        go2rtc: after('go2rtc'),
        homeassistant: after('ha_generic'),
      },
      locks: camera.counters.locksTriggered,
      inStep:
        password === camera.state.admin.password &&
        nvr.state.channelById(channel.id)?.password === password &&
        ha.core.configEntries.inspect(entryId).options.password === password &&
        (go2rtc.sourcesOf('front') ?? []).every(
          (src) => decodeURIComponent(new URL(src).password) === password,
        ),
    };
  } finally {
    detach?.();
    await go2rtc?.stop();
    await link?.stop(1_000);
    await ha?.stop();
    await vault.close();
    await Promise.all([camera.close(), nvr.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

async function until(test: () => boolean, problem: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(problem);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
