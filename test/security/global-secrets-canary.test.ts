/**
 * Issue 8, item 5: one global secrets canary over every scenario. A real Node-RED process (the
 * built package, adminAuth on, runtime log at trace with audit) deploys every hik guard node
 * against simulated devices and a Home Assistant test server, with canary enrolment passwords and
 * a canary HA token. The scenarios run: enrolment, rotation with a recorder channel update,
 * verify, an authentication failure with a wrong canary password, a bad input caught by a Catch
 * node, discovery, a factory reset re-claimed with a fresh password, Home Assistant alerts, the
 * sidebar admin routes (read/write, reveal refused) and the CLI (status, vault list, rotate).
 *
 * Then every password the vault holds (current, pending, previous), the enrolment canaries and
 * the HA token are looked for, raw and encoded, in: the runtime log, node statuses and every other
 * editor comms message, debug and Catch messages, `/flows`, the credentials API, the admin route
 * answers, what the HA test server received, every MQTT topic and payload a broker (Mosquitto, the
 * broker password a canary too; Rotate now pressed over MQTT) carried and its log, the CLI outputs
 * and every file in the user directory
 * (the encrypted vault and flows_cred.json included: no secret in clear there either).
 *
 * The capture is proved, not assumed: a hik-credentials node with "include new password" on sends
 * its password to its own debug node, which the scanner must find there; a function node writes a
 * non-secret marker to the log, its status, an error (Catch) and a message, which must be found in
 * each of those channels.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimFleet, type SimDevice, type SimFleetMember } from '../../sim';
import { runCli, type CliRun } from '../support/cli-run';
import { FrigateStandIn } from '../support/frigate-stand-in';
import { HaTestServer } from '../support/ha-test-server';
import { Mosquitto, MOSQUITTO } from '../support/mosquitto';
import { MqttObserver } from '../support/mqtt-observer';
import { eventually, startNodeRed, type NodeRedProcess } from '../support/node-red-process';
import { AdminClient, type AdminAnswer } from '../support/admin-client';
import { canaryFlow, INJECT, PLANTED_DEBUG, type CanaryDevice } from './support/canary-flow';
import { CommsRecorder, type CommsMessage } from './support/comms-recorder';
import { readAllFiles, type FileBytes } from './support/file-snapshot';
import { describeFindings, SecretScanner, type Secret } from './support/secret-scanner';
import { vaultSecrets } from './support/vault-secrets';

// Node-RED ships bcryptjs for adminAuth.
const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

const tag = (): string => randomBytes(5).toString('hex');
const CANARY = {
  camera: `Canary-PW-${tag()}-Cam1`,
  recorder: `Canary-PW-${tag()}-Nvr1`,
  wrong: `Canary-PW-${tag()}-Wrong1`,
  reclaimed: `Canary-PW-${tag()}-Rst1`,
  revealed: `Canary-PW-${tag()}-Rev1`,
  haToken: `Canary-HA-token-${tag()}${tag()}`,
  broker: `Canary-MQTT-pw-${tag()}${tag()}`,
  frigate: `Canary-Frigate-pw-${tag()}`,
  // Secrets the audit's answers carry (docs/protocol/audit.md §3.0): they must never leave it.
  ezviz: `EZ${tag()}`.toUpperCase(),
  snmp: `Canary-SNMP-${tag()}`,
  ddns: `Canary-DDNS-${tag()}`,
  email: `canary-${tag()}@example.invalid`,
};
const BROKER_USER = 'canary-nodered';
const MARKER = `Planted-Marker-${tag()}`;
const VAULT_KEY = `canary-vault-key-${tag()}`;
const LOGIN = `editor-login-${tag()}`;
/** The wrong-password device's real password: nobody in the flow knows it. */
const WRONG_DEVICE_REAL = `Real-Pw-${tag()}-B1`;

const SERIALS = {
  camera: 'DS-2CD2386G2-IU20240201AAWRCANARY0001',
  recorder: 'DS-7608NI-K220240201AAWRCANARY0002',
  wrong: 'DS-2CD2443G0-IW20240201AAWRCANARY0003',
  reclaimed: 'DS-2CD2043G2-I20240201AAWRCANARY0004',
  revealed: 'DS-2CD2143G2-I20240201AAWRCANARY0005',
};

const MEMBERS: SimFleetMember[] = [
  {
    adminPassword: CANARY.camera,
    deviceType: 'IPCamera',
    model: 'DS-2CD2386G2-IU',
    serialNumber: SERIALS.camera,
    macAddress: 'c0:56:e3:0c:00:01',
    hardening: {
      ezviz: true,
      ezvizVerificationCode: CANARY.ezviz,
      snmpV2c: true,
      snmpCommunity: CANARY.snmp,
      ddns: true,
      ddnsPassword: CANARY.ddns,
      recoveryEmail: CANARY.email,
    },
  },
  {
    adminPassword: CANARY.recorder,
    deviceType: 'NVR',
    model: 'DS-7608NI-K2',
    serialNumber: SERIALS.recorder,
    macAddress: 'c0:56:e3:0c:00:02',
    channelsTo: [0],
  },
  {
    adminPassword: WRONG_DEVICE_REAL,
    deviceType: 'IPCamera',
    model: 'DS-2CD2443G0-IW',
    serialNumber: SERIALS.wrong,
    macAddress: 'c0:56:e3:0c:00:03',
  },
  {
    adminPassword: CANARY.reclaimed,
    deviceType: 'IPCamera',
    model: 'DS-2CD2043G2-I',
    serialNumber: SERIALS.reclaimed,
    macAddress: 'c0:56:e3:0c:00:04',
    rebootMs: 50,
  },
  {
    adminPassword: CANARY.revealed,
    deviceType: 'IPCamera',
    model: 'DS-2CD2143G2-I',
    serialNumber: SERIALS.revealed,
    macAddress: 'c0:56:e3:0c:00:05',
  },
];

interface DebugMessage {
  id: string;
  msg: Record<string, unknown>;
}

/** Debug sidebar messages (the debug nodes here send whole messages, as JSON text). */
function debugMessages(messages: readonly CommsMessage[], nodeId?: string): DebugMessage[] {
  return messages
    .filter((m) => m.topic === 'debug')
    .flatMap((m) => {
      const data = m.data as { id?: string; msg?: unknown };
      if (typeof data.id !== 'string' || (nodeId && data.id !== nodeId)) return [];
      const msg = typeof data.msg === 'string' ? (JSON.parse(data.msg) as Record<string, unknown>) : {};
      return [{ id: data.id, msg }];
    });
}

function payloadOf(m: DebugMessage): Record<string, unknown> {
  return (m.msg.payload ?? {}) as Record<string, unknown>;
}

describe('global secrets canary (real Node-RED, every scenario)', function () {
  this.timeout(60_000);
  let fleet: SimFleet | undefined;
  let ha: HaTestServer | undefined;
  let frigate: FrigateStandIn | undefined;
  let frigateDir = '';
  /** The MQTT path, when Mosquitto is installed (always under CI). */
  let broker: Mosquitto | undefined;
  let mqtt: MqttObserver | undefined;
  let mqttDump = '';
  let red: NodeRedProcess | undefined;
  let comms: CommsRecorder | undefined;
  let copyDir = '';

  const cliRuns: { name: string; run: CliRun }[] = [];
  const admin: { name: string; answer: AdminAnswer }[] = [];
  let userDirFiles: FileBytes[] = [];
  let copyFiles: FileBytes[] = [];
  let secrets: Secret[] = [];
  let haDump = '';
  let redOutput = '';
  let commsMessages: CommsMessage[] = [];

  const device = (i: number): SimDevice => fleet!.devices[i]!;
  const canaryDevice = (i: number, id: string, name: string, password: string): CanaryDevice => ({
    id,
    name,
    host: device(i).host!,
    port: device(i).port!,
    serial: device(i).serialNumber,
    password,
  });

  before(async function () {
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'nodes', 'hik-device', 'hik-device.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
    copyDir = await mkdtemp(join(tmpdir(), 'hik-guard-canary-'));
    fleet = await SimFleet.start({
      devices: MEMBERS,
      baseAddress: '127.0.0.81',
      port: 0,
      sadp: { announceOnStart: false },
    });
    ha = await HaTestServer.start({ tokens: { [CANARY.haToken]: { isAdmin: true } } });
    // A generic camera entry holding the camera's password (its old one is in every flow form HA
    // serves); port 1: its stream test and worker never reach the camera, so the update is refused.
    ha.core.configEntries.add({
      domain: 'generic',
      title: 'Porch',
      options: {
        stream_source: `rtsp://admin:${CANARY.camera}@${device(0).host!}:1/Streaming/Channels/101`,
        username: 'admin',
        password: CANARY.camera,
      },
    });
    // Frigate holds the camera's password in a camera input; its own directory, not scanned (it is
    // the outside world). Nothing listens on port 1: its ffmpeg never logs in to the camera.
    frigateDir = await mkdtemp(join(tmpdir(), 'hik-guard-canary-frigate-'));
    frigate = await FrigateStandIn.start({
      configFile: join(frigateDir, 'config.yml'),
      authUser: { user: 'admin', password: CANARY.frigate },
      retryIntervalMs: 60_000,
      restartDelayMs: 10,
      config: {
        cameras: {
          porch: {
            ffmpeg: {
              inputs: [
                {
                  path: `rtsp://admin:${CANARY.camera}@${device(0).host!}:1/Streaming/Channels/101`,
                  roles: ['record'],
                },
              ],
            },
          },
        },
      },
    });
    if (existsSync(MOSQUITTO) || process.env.CI) {
      broker = await Mosquitto.start({ users: { [BROKER_USER]: CANARY.broker } });
      mqtt = await MqttObserver.connect(broker.url, { username: BROKER_USER, password: CANARY.broker });
    }
    const hash = bcrypt.hashSync(LOGIN, 4);
    red = await startNodeRed({
      settings: {
        credentialSecret: VAULT_KEY,
        logging: { console: { level: 'trace', metrics: false, audit: true } },
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'operator', password: hash, permissions: ['read', 'hik-guard.write'] },
            { username: 'owner', password: hash, permissions: '*' },
          ],
        },
      },
    });
    const api = new AdminClient(red.base, LOGIN);
    comms = await CommsRecorder.connect(red.base, await api.token('operator'));
    const flow = canaryFlow({
      camera: canaryDevice(0, 'dev-camera', 'Porch', CANARY.camera),
      recorder: canaryDevice(1, 'dev-recorder', 'Recorder', CANARY.recorder),
      wrongPassword: canaryDevice(2, 'dev-wrong', 'Garden', CANARY.wrong),
      reclaimed: canaryDevice(3, 'dev-reclaimed', 'Garage', CANARY.reclaimed),
      revealed: canaryDevice(4, 'dev-revealed', 'Shed', CANARY.revealed),
      haUrl: ha.url,
      haToken: CANARY.haToken,
      frigate: { url: frigate.authenticatedUrl, user: 'admin', password: CANARY.frigate },
      marker: MARKER,
      mqtt: broker ? { url: broker.url, user: BROKER_USER, password: CANARY.broker } : null,
    });
    const deployed = await api.call('owner', 'POST', '/flows', flow, { 'Node-RED-Deployment-Type': 'full' });
    assert.equal(deployed.status, 204, deployed.text);
    try {
      await runScenarios(api, red);
    } catch (err) {
      // The log tail says why a scenario stalled (every secret in it would be a test canary).
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}\n--- Node-RED output ---\n${red.output().slice(-6000)}`,
        { cause: err },
      );
    }
    await collect(api, red);
  });

  after(async function () {
    await comms?.close();
    await red?.stop();
    await ha?.stop();
    await frigate?.stop();
    if (frigateDir) await rm(frigateDir, { recursive: true, force: true });
    await mqtt?.close();
    await broker?.stop();
    await fleet?.stop();
    if (copyDir) await rm(copyDir, { recursive: true, force: true });
  });

  async function press(api: AdminClient, inject: string): Promise<void> {
    const answer = await api.call('owner', 'POST', `/inject/${inject}`);
    assert.equal(answer.status, 200, `inject ${inject}: ${answer.text}`);
  }

  async function runScenarios(api: AdminClient, nr: NodeRedProcess): Promise<void> {
    const c = comms!;
    const vaultFile = join(nr.userDir, 'hik-guard', 'vault.json');
    const enrolled = [SERIALS.camera, SERIALS.recorder, SERIALS.reclaimed, SERIALS.revealed];
    await eventually('enrolment of every device with a right password', async () => {
      const held = await vaultSecrets(vaultFile, VAULT_KEY).catch(() => []);
      return enrolled.every((s) => held.some((h) => h.label === `vault ${s} current`));
    });
    await eventually(
      'the wrong canary password refused at enrolment',
      () => device(2).counters.failedLogins === 1,
    );

    const resultOf = (topic: string, serial: string): DebugMessage | undefined =>
      debugMessages(c.messages, 'dbg-creds').find(
        (m) => m.msg.topic === topic && payloadOf(m).serial === serial,
      );
    await press(api, INJECT.rotateCamera);
    const rotated = await eventually('the camera rotation', () => resultOf('rotate', SERIALS.camera));
    assert.equal(payloadOf(rotated).result, 'rotated', JSON.stringify(rotated.msg));
    const channel = device(1).state.channels[0];
    assert.equal(channel?.password, device(0).state.admin.password, 'the recorder channel follows');
    await press(api, INJECT.verifyCamera);
    await eventually('the camera verification', () => resultOf('verify', SERIALS.camera));
    await press(api, INJECT.verifyWrong);
    const refused = await eventually('the wrong-password verify', () => resultOf('verify', SERIALS.wrong));
    assert.equal(payloadOf(refused).result, 'failed');
    await press(api, INJECT.badTopic);
    await press(api, INJECT.rotateRevealed);
    await eventually(
      'the deliberately revealing rotation',
      () => debugMessages(c.messages, PLANTED_DEBUG)[0],
    );
    await press(api, INJECT.plant);
    await eventually('the planted marker through Catch', () =>
      debugMessages(c.messages, 'dbg-catch').some((m) => JSON.stringify(m.msg).includes(MARKER)),
    );

    await press(api, INJECT.scan);
    await eventually('discovery messages', () => debugMessages(c.messages, 'dbg-discover').length > 0);
    const scan = await api.call('operator', 'POST', '/hik-guard/scan');
    admin.push({ name: 'POST /hik-guard/scan', answer: scan });
    assert.equal(scan.status, 200, scan.text);

    await eventually('the reset watch to see the devices active', () =>
      debugMessages(c.messages, 'dbg-reset').some((m) => payloadOf(m).serial === SERIALS.reclaimed),
    );
    await device(3).factoryReset();
    await eventually(
      'the re-claim of the factory-reset device',
      () => debugMessages(c.messages, 'dbg-reset').find((m) => m.msg.topic === 'reclaimed'),
      20_000,
    );
    assert.equal(device(3).state.activated, true);
    assert.notEqual(device(3).state.admin.password, CANARY.reclaimed, 're-claimed with a fresh password');
    await eventually('Home Assistant to get the inactive and reclaimed alerts', () =>
      ['inactive', 'reclaimed'].every((to) =>
        ha!.core.firedEvents.some((e) => JSON.stringify(e.data).includes(`"${to}"`)),
      ),
    );
    if (mqtt) {
      // Rotate now pressed in Home Assistant: a new password made while the broker is watched.
      const observer = mqtt;
      const rotations = () =>
        debugMessages(c.messages, 'dbg-creds').filter((m) => m.msg.topic === 'rotate').length;
      const before = rotations();
      const slug = SERIALS.camera.toLowerCase().replace(/[^a-z0-9]+/g, '_');
      await eventually('the camera buttons on the broker', () =>
        observer.retained.has(`homeassistant/button/hik_guard_${slug}_rotate/config`),
      );
      await observer.publish(`hik_guard/${slug}/rotate/set`, 'PRESS');
      await eventually('the rotation pressed over MQTT', () => rotations() > before);
      await eventually('the reset alerts as MQTT events', () =>
        observer.messages.some((m) => m.topic.endsWith('/event') && m.payload.includes('"reclaimed"')),
      );
    }
  }

  async function collect(api: AdminClient, nr: NodeRedProcess): Promise<void> {
    const vaultFile = join(nr.userDir, 'hik-guard', 'vault.json');
    const key = { HIK_GUARD_VAULT_KEY: VAULT_KEY };
    const current = async (serial: string): Promise<string> =>
      (await vaultSecrets(vaultFile, VAULT_KEY)).find((s) => s.label === `vault ${serial} current`)!.value;

    // The security audit reads the camera's secret-bearing documents (sidebar's Audit now).
    const audited = await api.call('operator', 'POST', `/hik-guard/devices/${SERIALS.camera}/audit`);
    admin.push({ name: `POST /hik-guard/devices/${SERIALS.camera}/audit`, answer: audited });
    assert.equal(audited.status, 200, audited.text);
    for (const [method, path, body] of [
      ['GET', '/hik-guard/fleet', undefined],
      ['GET', '/hik-guard/discovered', undefined],
      ['POST', `/hik-guard/devices/${SERIALS.camera}/verify`, undefined],
      [
        'POST',
        '/hik-guard/test/device',
        {
          id: 'dev-camera',
          host: device(0).host,
          port: device(0).port,
          protocol: 'http',
          serial: SERIALS.camera,
        },
      ],
      ['POST', '/hik-guard/test/homeassistant', { id: 'ha', url: ha!.url }],
      ['POST', `/hik-guard/devices/${SERIALS.camera}/reveal`, undefined],
      ['GET', '/flows', undefined],
      ['GET', '/credentials/hik-device/dev-camera', undefined],
      ['GET', '/credentials/hik-homeassistant/ha', undefined],
      ['GET', '/credentials/hik-frigate/frig', undefined],
      ['GET', '/credentials/hik-mqtt/mq', undefined],
    ] as const) {
      admin.push({ name: `${method} ${path}`, answer: await api.call('operator', method, path, body) });
    }

    cliRuns.push({
      name: 'vault list',
      run: await runCli(['vault', 'list', '--vault', vaultFile, '--json'], key),
    });
    cliRuns.push({
      name: 'audit (vault, readable)',
      run: await runCli(['audit', '--vault', vaultFile, '--host', device(0).host!], key),
    });
    cliRuns.push({
      name: 'audit (vault, json)',
      run: await runCli(['audit', '--vault', vaultFile, '--host', device(0).host!, '--json'], key),
    });
    const cameraPort = String(device(0).port);
    cliRuns.push({
      name: 'status (vault password)',
      run: await runCli(
        ['status', '--host', device(0).host!, '--port', cameraPort, '--password-env', 'HG_PW', '--json'],
        {
          HG_PW: await current(SERIALS.camera),
        },
      ),
    });
    cliRuns.push({
      name: 'status (wrong canary)',
      run: await runCli(
        ['status', '--host', device(2).host!, '--port', String(device(2).port), '--password-env', 'HG_PW'],
        { HG_PW: CANARY.wrong },
      ),
    });

    userDirFiles = await readAllFiles(nr.userDir);
    await copyFile(vaultFile, join(copyDir, 'vault.json'));
    commsMessages = [...comms!.messages];
    await comms!.close();
    await nr.stop();
    redOutput = nr.output();
    red = undefined;

    // The Node-RED process held the vault; the writing CLI command runs on its copy after it.
    const copy = join(copyDir, 'vault.json');
    cliRuns.push({
      name: 'rotate',
      run: await runCli(
        [
          'rotate',
          '--host',
          device(0).host!,
          '--port',
          cameraPort,
          '--allow-http-password-change',
          '--vault',
          copy,
          '--settle',
          '0',
          '--json',
        ],
        key,
      ),
    });
    cliRuns.push({
      name: 'vault list (after rotate)',
      run: await runCli(['vault', 'list', '--vault', copy], key),
    });
    copyFiles = await readAllFiles(copyDir);

    mqttDump = JSON.stringify({ messages: mqtt?.messages ?? [], log: broker?.output() ?? '' });
    haDump = JSON.stringify({
      states: [...ha!.core.states.values()],
      notifications: [...ha!.core.notifications.values()],
      firedEvents: ha!.core.firedEvents,
      serviceCalls: ha!.core.serviceCalls,
      restLog: ha!.restLog,
    });
    secrets = [
      ...(await vaultSecrets(copy, VAULT_KEY)),
      { label: 'enrolment canary (camera)', value: CANARY.camera },
      { label: 'enrolment canary (recorder)', value: CANARY.recorder },
      { label: 'enrolment canary (wrong password)', value: CANARY.wrong },
      { label: 'enrolment canary (re-claimed)', value: CANARY.reclaimed },
      { label: 'enrolment canary (revealed)', value: CANARY.revealed },
      { label: 'Home Assistant token', value: CANARY.haToken },
      { label: 'MQTT broker password', value: CANARY.broker },
      { label: 'Frigate admin password', value: CANARY.frigate },
      { label: 'EZVIZ verification code (audit)', value: CANARY.ezviz },
      { label: 'SNMP community (audit)', value: CANARY.snmp },
      { label: 'DDNS password (audit)', value: CANARY.ddns },
      { label: 'recovery e-mail (audit)', value: CANARY.email },
    ];
  }

  const scanner = (): SecretScanner => new SecretScanner(secrets);
  const revealedPassword = (): string =>
    secrets.find((s) => s.label === `vault ${SERIALS.revealed} current`)!.value;

  it('ran every scenario: rotation, recorder channel, auth failure, re-claim, HA, CLI, no lock', () => {
    const labels = secrets.map((s) => s.label);
    assert.ok(labels.includes(`vault ${SERIALS.camera} previous[1]`), 'camera rotated twice (node + CLI)');
    assert.ok(labels.includes(`vault ${SERIALS.reclaimed} previous[0]`), 're-claimed with a fresh password');
    assert.ok(labels.includes(`vault ${SERIALS.revealed} previous[0]`), 'the revealing node rotated');
    assert.ok(frigate!.restarts >= 1, 'Frigate got the rotated camera password and was restarted');
    assert.ok(
      ha!.restLog.some(
        (r) => r.method === 'POST' && r.path.startsWith('/api/config/config_entries/options/flow'),
      ),
      'the Home Assistant generic entry was driven through its options flow',
    );
    const [input] = frigate!.savedConfig().cameras.porch?.ffmpeg.inputs ?? [];
    const saved = decodeURIComponent(new URL(input?.path ?? 'rtsp://x').password);
    assert.ok(
      secrets.some((s) => s.label.startsWith(`vault ${SERIALS.camera}`) && s.value === saved),
      'Frigate holds a password of the camera from the vault',
    );
    assert.ok(
      !labels.some((l) => l.startsWith(`vault ${SERIALS.wrong}`)),
      'a wrong password is never enrolled',
    );
    assert.deepEqual(
      cliRuns.map(({ name, run }) => [name, run.code]),
      [
        ['vault list', 0],
        ['audit (vault, readable)', 0],
        ['audit (vault, json)', 0],
        ['status (vault password)', 0],
        ['status (wrong canary)', 3],
        ['rotate', 0],
        ['vault list (after rotate)', 0],
      ],
      JSON.stringify(cliRuns.map((r) => r.run.stderr)),
    );
    assert.deepEqual(
      fleet!.devices.map((d) => d.counters.locksTriggered),
      [0, 0, 0, 0, 0],
    );
    assert.deepEqual(
      fleet!.devices.map((d) => d.counters.exploitLikeRequests),
      [0, 0, 0, 0, 0],
      'no exploit-shaped request, audits included',
    );
    const audit = cliRuns.find((r) => r.name === 'audit (vault, json)')?.run.stdout ?? '';
    assert.match(audit, /"hik-connect-enabled"/, 'the audit read the secret-bearing EZVIZ document');
    assert.match(audit, /"snmp-v1-v2c-enabled"/, 'and the SNMP one');
    assert.deepEqual(
      fleet!.devices.map((d) => d.counters.failedLogins),
      [0, 0, 2, 0, 0],
      'one failed login for the node, one for the CLI, nothing re-sent',
    );
    assert.ok(ha!.presentedTokens.length > 0, 'the token reached Home Assistant');
    assert.ok(
      ha!.presentedTokens.every((t) => t === CANARY.haToken),
      'and only where it belongs',
    );
  });

  it('the scanner finds what the capture deliberately holds (the channels are real)', () => {
    const planted = commsMessages.filter(
      (m) => m.topic === 'debug' && (m.data as { id?: string }).id === PLANTED_DEBUG,
    );
    const found = planted.flatMap((m) => scanner().find(m.raw)).map((f) => f.label);
    assert.ok(
      found.includes(`vault ${SERIALS.revealed} current`),
      'include-password ON reaches the debug sidebar',
    );
    assert.ok(revealedPassword().length >= 8);
    const marked = new SecretScanner([{ label: 'marker', value: MARKER }]);
    const has = (text: string | Buffer): boolean => marked.find(text).length > 0;
    assert.ok(has(redOutput), 'the runtime log is captured');
    assert.ok(
      has(
        commsMessages
          .filter((m) => m.topic === 'status/plant')
          .map((m) => m.raw)
          .join('\n'),
      ),
      'node status is captured',
    );
    assert.ok(
      has(
        debugMessages(commsMessages, 'dbg-catch')
          .map((m) => JSON.stringify(m.msg))
          .join('\n'),
      ),
      'Catch messages are captured',
    );
    assert.ok(has(admin.find((a) => a.name === 'GET /flows')!.answer.text), 'the flows export is captured');
    assert.ok(
      userDirFiles.some((f) => f.path === 'flows.json' && has(f.bytes)),
      'user directory files are read',
    );
    // Encoded forms too: the marker base64-encoded inside a longer string is still found.
    assert.ok(has(`x${Buffer.from(`ab${MARKER}cd`).toString('base64')}y`));
    assert.ok(has(encodeURIComponent(`q=${MARKER} `)));
    assert.ok(haDump.includes(SERIALS.reclaimed), 'what Home Assistant received is captured');
    assert.ok(
      cliRuns.every(({ run }) => (run.stdout + run.stderr).length > 0),
      'CLI outputs are captured',
    );
  });

  it('no secret in the runtime log (trace level, audit on)', () => {
    const findings = scanner().find(redOutput);
    assert.deepEqual(findings, [], describeFindings('runtime log', findings));
  });

  it('no secret in node statuses, debug and Catch messages or any other editor message', () => {
    const s = scanner();
    const leaks = commsMessages
      .filter((m) => !(m.topic === 'debug' && (m.data as { id?: string }).id === PLANTED_DEBUG))
      .flatMap((m) => s.find(m.raw).map((f) => ({ ...f, label: `${f.label} in ${m.topic}` })));
    assert.deepEqual(leaks, [], describeFindings('comms', leaks));
    assert.ok(
      commsMessages.some((m) => m.topic.startsWith('status/')),
      'statuses were seen',
    );
    assert.ok(
      commsMessages.some((m) => m.topic === 'debug' && (m.data as { id?: string }).id === 'dbg-catch'),
    );
  });

  it('no secret in /flows, the credentials API or the sidebar routes; reveal refused without permission', () => {
    const s = scanner();
    const leaks = admin.flatMap(({ name, answer }) =>
      s.find(answer.text).map((f) => ({ ...f, label: `${f.label} in ${name}` })),
    );
    assert.deepEqual(leaks, [], describeFindings('admin API', leaks));
    const status = Object.fromEntries(admin.map(({ name, answer }) => [name, answer.status]));
    assert.equal(status[`POST /hik-guard/devices/${SERIALS.camera}/reveal`], 401);
    assert.equal(status['GET /hik-guard/fleet'], 200);
    assert.equal(status['GET /flows'], 200);
    assert.equal(status[`POST /hik-guard/devices/${SERIALS.camera}/verify`], 200);
    assert.equal(status['POST /hik-guard/test/device'], 200);
  });

  it('no secret in what Home Assistant received (the token only in its auth message)', () => {
    const findings = scanner().find(haDump);
    assert.deepEqual(findings, [], describeFindings('Home Assistant', findings));
  });

  it('no secret in what the MQTT broker carried (every topic and payload) or logged', function () {
    if (!broker) this.skip();
    assert.ok(mqttDump.includes(SERIALS.camera), 'the broker traffic is captured');
    assert.ok(mqttDump.includes(BROKER_USER), 'the broker log is captured');
    const findings = scanner().find(mqttDump);
    assert.deepEqual(findings, [], describeFindings('MQTT', findings));
  });

  it('no secret in the CLI outputs (status, rotate, vault list)', () => {
    const s = scanner();
    const leaks = cliRuns.flatMap(({ name, run }) =>
      s.find(`${run.stdout}\n${run.stderr}`).map((f) => ({ ...f, label: `${f.label} in ${name}` })),
    );
    assert.deepEqual(leaks, [], describeFindings('CLI', leaks));
  });

  it('no secret in clear in any file of the user directory, the vault and flows_cred.json included', () => {
    const s = scanner();
    const names = userDirFiles.map((f) => f.path);
    assert.ok(names.includes('flows_cred.json'), names.join(', '));
    assert.ok(names.includes(join('hik-guard', 'vault.json')), names.join(', '));
    const leaks = [
      ...userDirFiles,
      ...copyFiles.map((f) => ({ ...f, path: `vault copy/${f.path}` })),
    ].flatMap((f) => s.find(f.bytes).map((x) => ({ ...x, label: `${x.label} in ${f.path}` })));
    assert.deepEqual(leaks, [], describeFindings('files', leaks));
  });
});
