import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFlows } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import { sharedFleets, sharedVaults } from '../../lib/runtime';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { withCatalog } from '../support/node-catalog';
import hikCredentialsNode = require('../../nodes/hik-credentials/hik-credentials');
import hikDevice = require('../../nodes/hik-device/hik-device');
import hikFrigate = require('../../nodes/hik-frigate/hik-frigate');
import hikGo2rtc = require('../../nodes/hik-go2rtc/hik-go2rtc');
import { FrigateStandIn } from '../support/frigate-stand-in';
import { Go2rtcStandIn } from '../support/go2rtc-stand-in';
import { SimDevice } from '../../sim';
import { helper } from '../support/node-red';
import { SimHarness } from '../support/sim-devices';
import { loadSimCertificate } from '../../sim/tls-certificates';
import { waitFor } from '../lib/homeassistant/support';

const hikCredentials = withCatalog(hikCredentialsNode, 'hik-credentials');

const CANARY = 'Canary-Cr3dentials-5577';
const SECRET = 'hik-credentials-test-secret';

interface Payload {
  serial: string | null;
  name: string;
  result: string;
  reason: string | null;
  rotatedAt: string | null;
  nextRotation: string | null;
  password?: string | null;
}

interface Message {
  topic: string;
  payload: Payload;
}

function statusSpy(id: string): SinonSpy {
  return Reflect.get(helper.getNode(id), 'status') as SinonSpy;
}

/** Resolves once `check` holds, polling briefly; fails after `timeoutMs`. */
async function waitUntil(what: string, check: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with the next `count` messages the helper node `id` receives (bounded). */
function nextMessages(id: string, count: number, timeoutMs = 8_000): Promise<Message[]> {
  const node = helper.getNode(id);
  const received: Message[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`got ${received.length} of ${count} messages`)),
      timeoutMs,
    );
    node.on('input', (msg: unknown) => {
      const message = msg as Message;
      received.push(message);
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
}

function deviceConfig(id: string, device: SimDevice, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: 'hik-device',
    name: `${id} device`,
    host: device.host,
    port: device.port,
    protocol: device.https ? 'https' : 'http',
    username: 'admin',
    serial: '',
    allowHttpPasswordChange: !device.https,
    version: 2,
    ...extra,
  };
}

function credentialsNode(
  devices: { device: string; recorder?: boolean }[],
  extra: Record<string, unknown> = {},
) {
  return {
    id: 'creds',
    type: 'hik-credentials',
    devices,
    scheduleType: 'manual',
    settleSeconds: 0.01,
    jitterMinutes: 0,
    concurrency: 2,
    includePassword: false,
    version: 1,
    wires: [['out']],
    ...extra,
  };
}

describe('hik-credentials node', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  const originalSettings = (helper as unknown as { _settings: unknown })._settings;
  let userDir: string;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    userDir = await mkdtemp(join(tmpdir(), 'hik-credentials-node-'));
    helper.settings({ userDir, credentialSecret: SECRET });
  });
  afterEach(async () => {
    await helper.unload();
    (helper as unknown as { _settings: unknown })._settings = originalSettings;
    // The fleet's alert memory and findings are written before the folder goes.
    for (const runtimeFleet of await sharedFleets().all()) await runtimeFleet.settled();
    await sharedVaults().closeAll();
    await rm(userDir, { recursive: true, force: true });
    await sim.stop();
  });

  async function load(flow: TestFlows, credentials: Record<string, { password: string }>): Promise<void> {
    await helper.load([hikDevice, hikCredentials], flow, credentials);
  }

  async function vaultRecord(serial: string) {
    await sharedVaults().closeAll(); // the node's open vault would hold the file's lock
    const vault = await CredentialVault.open(join(userDir, 'hik-guard', 'vault.json'), SECRET);
    try {
      return vault.get(serial);
    } finally {
      await vault.close();
    }
  }

  it('enrols on first contact, rotates on input and sends one result per device without the password', async () => {
    const camera = await sim.device({ adminPassword: CANARY, requireLoginPassword: true });
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    const [message] = await (async () => {
      const received = nextMessages('out', 1);
      helper.getNode('creds').receive({ topic: 'rotate', payload: {} });
      return received;
    })();
    assert.equal(message?.topic, 'rotate');
    assert.deepEqual(
      { ...message.payload, rotatedAt: typeof message.payload.rotatedAt },
      {
        serial: camera.serialNumber,
        name: 'cam device',
        result: 'rotated',
        reason: null,
        rotatedAt: 'string',
        nextRotation: null,
        // ONVIF users are kept in step by default; this camera has none to change.
        consumers: [
          {
            id: `onvif_user:${camera.serialNumber}:admin`,
            kind: 'onvif_user',
            label: `ONVIF users of ${camera.serialNumber}`,
            account: 'admin',
            status: 'updated',
            code: null,
            outOfDate: [],
          },
        ],
      },
    );
    const newPassword = camera.state.admin.password ?? '';
    assert.notEqual(newPassword, CANARY);
    assert.ok(statusSpy('creds').calledWithMatch({ fill: 'green', shape: 'dot' }));

    const statuses = statusSpy('creds').args;
    await helper.unload();
    const seen = JSON.stringify([message, statuses, helper.log().args]);
    for (const secret of [CANARY, newPassword]) assert.ok(!seen.includes(secret), 'a password leaked');
    const record = await vaultRecord(camera.serialNumber);
    assert.equal(record?.password, newPassword);
    assert.equal(record.previous[0]?.password, CANARY);
    assert.ok(!(await readFile(join(userDir, 'hik-guard', 'vault.json'), 'utf8')).includes(CANARY));
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('a go2rtc listed on the device follows the rotation; credential_changed names it, never the password', async () => {
    const camera = await sim.device({ adminPassword: CANARY }, false, '127.0.0.41');
    const go2rtc = await Go2rtcStandIn.start({
      host: '127.0.0.42',
      streams: { front: `rtsp://admin:${encodeURIComponent(CANARY)}@127.0.0.41:554/Streaming/Channels/101` },
    });
    try {
      await helper.load(
        [hikDevice, hikGo2rtc, hikCredentials],
        [
          { id: 'g2r', type: 'hik-go2rtc', name: '', url: go2rtc.url, version: 1 } as TestFlows[number],
          deviceConfig('cam', camera, {
            consumers: [{ type: 'go2rtc', config: 'g2r', account: 'admin' }],
            version: 3,
          }),
          credentialsNode([{ device: 'cam' }]),
          { id: 'out', type: 'helper' },
        ],
        { cam: { password: CANARY } },
      );
      const received = nextMessages('out', 2);
      helper.getNode('creds').receive({ topic: 'rotate', payload: {} });
      const [result, changed] = (await received) as [Message, Message];
      assert.equal(result.payload.result, 'rotated');
      assert.equal(changed.topic, 'credential_changed');
      const payload = changed.payload as unknown as Record<string, unknown>;
      assert.deepEqual(payload.consumersUpdated, [
        `go2rtc at ${new URL(go2rtc.url).host}`,
        `ONVIF users of ${camera.serialNumber}`,
      ]);
      assert.deepEqual(payload.consumersNotUpdated, []);
      assert.equal(payload.password, undefined);
      const newPassword = camera.state.admin.password ?? '';
      const [source] = go2rtc.sourcesOf('front') ?? [];
      assert.equal(decodeURIComponent(new URL(source ?? 'rtsp://x').password), newPassword);
      const seen = JSON.stringify([result, changed, statusSpy('creds').args, helper.log().args]);
      for (const secret of [CANARY, newPassword]) assert.ok(!seen.includes(secret), 'a password leaked');
    } finally {
      await go2rtc.stop();
    }
  });

  it('a Frigate listed on the device follows the rotation: new paths saved, Frigate restarted, its cameras stream again', async () => {
    const camera = new SimDevice({ adminPassword: CANARY, maxAdminFailures: 50 });
    await camera.listen({ host: '127.0.0.43', port: 0, rtspPort: 0 });
    const frigate = await FrigateStandIn.start({
      host: '127.0.0.44',
      configFile: join(userDir, 'frigate-config.yml'),
      retryIntervalMs: 50,
      restartDelayMs: 50,
      config: {
        cameras: {
          front: {
            ffmpeg: {
              inputs: [
                { path: camera.streamUrl({ userName: 'admin', password: CANARY })!, roles: ['record'] },
              ],
            },
          },
        },
      },
    });
    try {
      const streaming = (): boolean => frigate.processesOf('front').every((p) => p.streaming);
      await waitUntil('Frigate streaming', streaming);
      await helper.load(
        [hikDevice, hikFrigate, hikCredentials],
        [
          {
            id: 'frig',
            type: 'hik-frigate',
            name: '',
            url: frigate.internalUrl,
            verifyTls: true,
            restartAfterUpdate: true,
            version: 1,
          } as TestFlows[number],
          deviceConfig('cam', camera, {
            consumers: [{ type: 'frigate', config: 'frig', account: 'admin' }],
            version: 3,
          }),
          credentialsNode([{ device: 'cam' }]),
          { id: 'out', type: 'helper' },
        ],
        { cam: { password: CANARY } },
      );
      const received = nextMessages('out', 2);
      helper.getNode('creds').receive({ topic: 'rotate', payload: {} });
      const [result, changed] = (await received) as [Message, Message];
      assert.equal(result.payload.result, 'rotated');
      const payload = changed.payload as unknown as Record<string, unknown>;
      assert.ok(
        (payload.consumersUpdated as string[]).includes(`Frigate at ${new URL(frigate.internalUrl).host}`),
      );
      assert.deepEqual(payload.consumersNotUpdated, []);
      const newPassword = camera.state.admin.password ?? '';
      await waitUntil('Frigate restarted and streaming', () => frigate.restarts === 1 && streaming());
      const [input] = frigate.savedConfig().cameras.front?.ffmpeg.inputs ?? [];
      assert.equal(decodeURIComponent(new URL(input?.path ?? 'rtsp://x').password), newPassword);
      assert.equal(
        frigate.processesOf('front')[0]?.tally.refused,
        0,
        'the restarted camera never tried an old password',
      );
      const seen = JSON.stringify([result, changed, statusSpy('creds').args, helper.log().args]);
      for (const secret of [CANARY, newPassword]) assert.ok(!seen.includes(secret), 'a password leaked');
    } finally {
      await frigate.stop();
      await camera.close();
    }
  });

  it('after Rotate now, the next rotation is one value in the message, the status and the fleet', async () => {
    const camera = await sim.device({ adminPassword: CANARY });
    await load(
      [
        deviceConfig('cam', camera),
        credentialsNode([{ device: 'cam' }], {
          scheduleType: 'days',
          everyDays: 90,
          windowStart: '03:00',
          windowEnd: '03:30',
        }),
        { id: 'out', type: 'helper' },
      ],
      { cam: { password: CANARY } },
    );
    const received = nextMessages('out', 1);
    helper.getNode('creds').receive({ topic: 'rotate', payload: {} });
    const [message] = await received;
    assert.equal(message?.payload.result, 'rotated');
    const [runtimeFleet] = await sharedFleets().all();
    const planned = runtimeFleet?.nextRotation(camera.serialNumber);
    assert.ok(planned, 'the fleet knows the next rotation');
    assert.ok(planned.getTime() > Date.now() + 80 * 86_400_000, 'about 90 days after this rotation');
    assert.equal(message.payload.nextRotation, planned.toISOString(), 'message and fleet agree');
    assert.equal(
      runtimeFleet?.row(camera.serialNumber).nextRotation,
      planned.toISOString(),
      'the table agrees',
    );
    const shown = statusSpy('creds').lastCall.args[0] as { text?: string } | undefined;
    assert.ok(shown?.text?.includes(planned.toLocaleString()), `status ${JSON.stringify(shown)}`);
  });

  it('audits on input: findings on the output and in the fleet, read-only, secrets never sent', async () => {
    const camera = await sim.device({
      adminPassword: CANARY,
      model: 'DS-2CD2532F-IWS',
      firmwareVersion: 'V5.2.0',
      firmwareReleasedDate: 'build 150101',
      hardening: { upnp: true, upnpPortMapping: true, ezviz: true, ezvizVerificationCode: 'EZVIZCANARY7' },
    });
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    // Enrolment happens at start; the audit message follows the enrolment's own output (none here).
    const received = nextMessages('out', 1);
    camera.resetCounters();
    helper.getNode('creds').receive({ topic: 'audit', payload: {} });
    const [message] = await received;
    assert.equal(message?.topic, 'audit');
    const report = message.payload as unknown as { worst: string; findings: { id: string }[] };
    assert.equal(report.worst, 'critical');
    const ids = report.findings.map((f) => f.id);
    for (const id of ['CVE-2017-7921', 'upnp-port-mapping', 'hik-connect-enabled'])
      assert.ok(ids.includes(id), id);
    const [runtimeFleet] = await sharedFleets().all();
    assert.equal(runtimeFleet?.row(camera.serialNumber).audit?.worst, 'critical', 'the sidebar row has it');
    assert.equal(camera.counters.writeRequests + camera.counters.exploitLikeRequests, 0);
    assert.equal(camera.counters.failedLogins, 0);
    const sent = JSON.stringify(message) + JSON.stringify(helper.log().args);
    for (const secret of [CANARY, 'EZVIZCANARY7'])
      assert.ok(!sent.includes(secret), 'a secret left the audit');
  });

  it('creates the streaming account when the device opted in, and rotates it on input, never sending a password', async () => {
    const camera = await sim.device({ adminPassword: CANARY });
    await load(
      [
        deviceConfig('cam', camera, { streamingAccount: true, keepOnvifUsersInStep: true, version: 4 }),
        credentialsNode([{ device: 'cam' }]),
        { id: 'out', type: 'helper' },
      ],
      { cam: { password: CANARY } },
    );
    // Enrolment and creation run after the flow started, over the network: subscribing now is in time.
    const [first] = await nextMessages('out', 1);
    assert.equal(first?.topic, 'stream-account');
    assert.deepEqual(first.payload, {
      serial: camera.serialNumber,
      name: 'cam device',
      result: 'created',
      reason: null,
      username: 'hikstream',
      consumers: [],
    });
    const createdPassword = camera.state.userByName('hikstream')?.password;
    assert.ok(createdPassword);
    const received = nextMessages('out', 1);
    helper.getNode('creds').receive({ topic: 'stream-account-rotate', payload: {} });
    const [rotated] = await received;
    assert.equal(rotated?.payload.result, 'rotated');
    const rotatedPassword = camera.state.userByName('hikstream')?.password;
    assert.ok(rotatedPassword && rotatedPassword !== createdPassword);
    assert.equal(camera.state.admin.password, CANARY, 'the admin password is not touched');
    assert.equal(camera.counters.failedLogins, 0);
    await helper.unload();
    const seen = JSON.stringify([first, rotated, helper.log().args]);
    for (const secret of [CANARY, createdPassword, rotatedPassword]) assert.ok(!seen.includes(secret));
    assert.equal((await vaultRecord(camera.serialNumber))?.accounts.streaming?.password, rotatedPassword);
  });

  it('includes the new password only when the node option is on', async () => {
    const camera = await sim.device({ adminPassword: CANARY });
    await load(
      [
        deviceConfig('cam', camera),
        credentialsNode([{ device: 'cam' }], { includePassword: true }),
        { id: 'out', type: 'helper' },
      ],
      { cam: { password: CANARY } },
    );
    const received = nextMessages('out', 1);
    helper.getNode('creds').receive({ topic: 'rotate' });
    const [message] = await received;
    assert.equal(message?.payload.result, 'rotated', JSON.stringify(message?.payload));
    assert.equal(message.payload.password, camera.state.admin.password);
  });

  it('updates the channel of a recorder in the list, which comes back online', async () => {
    const camera = await sim.device({ adminPassword: CANARY }, false, '127.0.0.41');
    const nvr = await sim.device({ adminPassword: CANARY, deviceType: 'NVR' }, false, '127.0.0.42');
    const channel = nvr.addChannel({
      ipAddress: '127.0.0.41',
      managePortNo: camera.port!,
      userName: 'admin',
      password: CANARY,
    });
    await load(
      [
        deviceConfig('cam', camera),
        deviceConfig('nvr', nvr),
        credentialsNode([{ device: 'cam' }, { device: 'nvr', recorder: true }]),
        { id: 'out', type: 'helper' },
      ],
      { cam: { password: CANARY }, nvr: { password: CANARY } },
    );
    const received = nextMessages('out', 1);
    helper.getNode('creds').receive({ topic: 'rotate', payload: { serial: camera.serialNumber } });
    const [message] = await received;
    assert.equal(message?.payload.result, 'rotated');
    assert.equal(message.payload.reason, null);
    assert.equal(nvr.state.channelById(channel.id)?.password, camera.state.admin.password);
    assert.equal(nvr.state.admin.password, CANARY, 'only the camera was rotated');
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('answers verify, status and reconcile, and reports an unknown topic as an error', async () => {
    const camera = await sim.device({ adminPassword: CANARY });
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    const node = helper.getNode('creds');
    for (const [topic, result, reason] of [
      ['verify', 'verified', null],
      ['status', 'skipped', 'ok'],
      ['reconcile', 'verified', 'nothing_pending'],
    ] as const) {
      const received = nextMessages('out', 1);
      node.receive({ topic });
      const [message] = await received;
      assert.equal(message?.topic, topic);
      assert.equal(message.payload.result, result, topic);
      assert.equal(message.payload.reason, reason, topic);
    }
    node.receive({ topic: 'reboot' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(statusSpy('creds').calledWithMatch({ fill: 'red', text: 'errors.HIK_ERR_INVALID_ARGUMENT' }));
    assert.equal(camera.state.admin.password, CANARY);
  });

  it('redeploy in the middle of a rotation leaves it recoverable; the next start reconciles it', async () => {
    const camera = await sim.device({ adminPassword: CANARY, rebootMs: 300 });
    const flow = [
      deviceConfig('cam', camera),
      credentialsNode([{ device: 'cam' }]),
      { id: 'out', type: 'helper' },
    ];
    await load(flow, { cam: { password: CANARY } });
    // The password change goes through; the check of the new password never gets an answer.
    const hung = camera.faults.inject({
      kind: 'hang',
      path: '/ISAPI/Security/userCheck',
      withCredentials: true,
    });
    helper.getNode('creds').receive({ topic: 'rotate' });
    while (hung.hits === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(camera.counters.passwordChanges, 1);

    // Redeploy (close) while the device reboots under the hung request: close still finishes.
    const closed = helper.unload();
    camera.rebootInBackground();
    await closed;
    hung.remove();
    await camera.whenUp();
    const pending = await vaultRecord(camera.serialNumber);
    assert.ok(pending?.pending, 'the unfinished rotation is pending in the vault');

    await load(flow, { cam: { password: CANARY } });
    const [message] = await nextMessages('out', 1);
    assert.equal(message?.topic, 'reconcile');
    assert.equal(message.payload.result, 'verified');
    assert.equal(message.payload.reason, 'kept_pending');
    await helper.unload();
    const record = await vaultRecord(camera.serialNumber);
    assert.equal(record?.pending, null);
    assert.equal(record.password, camera.state.admin.password);
    assert.ok(camera.counters.failedLogins <= 1);
    assert.ok(!JSON.stringify(helper.log().args).includes(CANARY));
  });

  it('a device without a typed password: a warning that says so, and the status counts it as not enrolled', async () => {
    const camera = await sim.device({ adminPassword: 'The-Real-Passw0rd' });
    await load([deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }])], {});
    const status = statusSpy('creds');
    await waitFor('the status', () =>
      status.calledWithMatch({ fill: 'yellow', shape: 'ring', text: 'not enrolled: 1 (see the log)' }),
    );
    const warnings = helper.log().args.filter((a) => (a[0] as { level?: number }).level === 30);
    assert.ok(
      warnings.some((a) =>
        /no password was typed in its hik-device dialog/.test(String((a[0] as { msg?: unknown }).msg)),
      ),
      JSON.stringify(warnings),
    );
    assert.equal(camera.counters.requests, 0, 'nothing was sent to the camera');
  });

  it('keeps a wrong enrolment password (the canary) out of messages, status, logs and error texts', async () => {
    const camera = await sim.device({ adminPassword: 'The-Real-Passw0rd' });
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    const messages: Message[] = [];
    for (const topic of ['rotate', 'verify', 'status', 'reconcile']) {
      const received = nextMessages('out', 1);
      helper.getNode('creds').receive({ topic });
      messages.push(...(await received));
    }
    assert.deepEqual(
      messages.map((m) => m.payload.result),
      ['failed', 'failed', 'skipped', 'failed'],
    );
    assert.equal(
      messages[0]?.payload.reason,
      'HIK_ERR_LOGIN_GUARD',
      'enrolment at start already failed once',
    );
    assert.equal(camera.counters.failedLogins, 1, 'the wrong password was sent once, never again');
    const statuses = statusSpy('creds').args;
    await helper.unload();
    const seen = JSON.stringify([messages, statuses, helper.log().args]);
    assert.ok(seen.includes('HIK_ERR'), 'the failures were reported');
    assert.ok(!seen.includes(CANARY), 'the canary leaked');
  });

  it('repin: a changed certificate is shown with the pinned one, and trusted only with its fingerprint', async () => {
    const camera = await sim.device({ adminPassword: CANARY, certificate: 'a' }, true);
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    const node = helper.getNode('creds');
    const ask = async (msg: Record<string, unknown>): Promise<Message> => {
      const received = nextMessages('out', 1);
      node.receive(msg);
      const [message] = await received;
      assert.ok(message);
      return message;
    };
    assert.equal((await ask({ topic: 'verify' })).payload.result, 'verified');
    const [runtimeFleet] = await sharedFleets().all();
    assert.ok(runtimeFleet);
    const serial = camera.serialNumber;
    const pinned = new X509Certificate(loadSimCertificate('a').cert).fingerprint256;
    const presented = new X509Certificate(loadSimCertificate('b').cert).fingerprint256;

    camera.useCertificate('b');
    const refused = await ask({ topic: 'rotate' });
    assert.deepEqual([refused.payload.result, refused.payload.reason], ['failed', 'HIK_ERR_CERT_CHANGED']);
    assert.equal(runtimeFleet.lastFailure(serial), 'HIK_ERR_CERT_CHANGED', 'the sidebar learns it');

    const look = await ask({ topic: 'repin', payload: { serial } });
    assert.equal(look.topic, 'repin');
    assert.deepEqual(look.payload, {
      serial,
      name: 'cam device',
      result: 'confirmation_needed',
      pinned,
      presented,
    });

    // Another fingerprint than the one presented now: an error, nothing pinned.
    const other = new X509Certificate(loadSimCertificate('c').cert).fingerprint256;
    node.receive({ topic: 'repin', payload: { serial, fingerprint: other } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(statusSpy('creds').calledWithMatch({ fill: 'red', text: 'errors.HIK_ERR_CERT_NOT_CONFIRMED' }));

    const trusted = await ask({ topic: 'repin', payload: { serial, fingerprint: presented } });
    assert.equal(trusted.payload.result, 'repinned');
    assert.equal(runtimeFleet.lastFailure(serial), null);
    assert.equal((await ask({ topic: 'rotate' })).payload.result, 'rotated');
    assert.equal(camera.counters.failedLogins, 0);
    await helper.unload();
    assert.equal((await vaultRecord(serial))?.tlsPin, presented);
  });

  it('repin needs the serial of one of its devices', async () => {
    const camera = await sim.device({ adminPassword: CANARY }, true);
    await load(
      [deviceConfig('cam', camera), credentialsNode([{ device: 'cam' }]), { id: 'out', type: 'helper' }],
      { cam: { password: CANARY } },
    );
    const started = nextMessages('out', 1);
    helper.getNode('creds').receive({ topic: 'status' });
    await started; // enrolled
    const before = camera.counters.requests;
    for (const payload of [{}, { serial: 'NOPE' }, { serial: camera.serialNumber, fingerprint: 42 }]) {
      helper.getNode('creds').receive({ topic: 'repin', payload });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const invalid = statusSpy('creds').args.filter(
      ([status]) => (status as { text?: string }).text === 'errors.HIK_ERR_INVALID_ARGUMENT',
    );
    assert.equal(invalid.length, 3);
    assert.equal(camera.counters.requests, before);
  });

  it('stays idle with one warning when its configuration is unusable', async () => {
    await load([credentialsNode([{ device: 'cam' }], { scheduleType: 'cron', cron: 'sometimes' })], {});
    assert.ok(statusSpy('creds').calledWithMatch({ fill: 'red', text: 'hik-credentials.status.invalid' }));
  });
});
