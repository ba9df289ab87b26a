/**
 * The `npm start` demo. `npm start` itself with the simulator, as the README's quick start runs
 * it: the editor URL only once the editor answers (no credentials warning before it), the printed
 * reset, status and discover commands work against the fleet, and a SIGTERM to the npm process
 * leaves no demo or Node-RED process and a free port. A busy PORT ends it at once, naming PORT.
 * dist/scripts/demo.js in its watch mode: with HIK_GUARD_TARGETS naming a device (a simulated one
 * on loopback here) and HA_URL + HA_TOKEN a Home Assistant (the HA test server), a factory reset
 * of the watched device reaches Home Assistant as a `hik_guard_event` with `to: "inactive"` and as
 * the state `inactive` of `sensor.hik_guard_<serial-slug>`, within one poll interval, and with
 * MQTT_URL (Mosquitto) as the retained state of its MQTT discovery device too; SIGTERM then stops it
 * cleanly, leaving availability offline on the broker. Also the environment parsing and the user directory, without starting anything.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { entityIdForSerial, serialSlug } from '../../lib/homeassistant/device-entity';
import { portProblem } from '../../scripts/demo-process';
import { demoSettings, watchTargetNodes } from '../../scripts/demo-settings';
import { DEMO_CREDENTIAL_SECRET, prepareDemoUserDir } from '../../scripts/demo-user-dir';
import { SimFleet } from '../../sim';
import { runCli } from '../support/cli-run';
import { HaTestServer } from '../support/ha-test-server';
import { Mosquitto, MOSQUITTO } from '../support/mosquitto';
import { MqttObserver } from '../support/mqtt-observer';
import { nodeRedPath } from '../support/node-red';
import { eventually } from '../support/node-red-process';
import { descendantsOf, isRunning, type ProcessInfo } from '../support/process-tree';
import { digestRequest } from '../sim/helpers/digest-client';
import { tagText } from '../sim/helpers/http';

const root = join(__dirname, '..', '..');
const HA_TOKEN = 'demo-ha-canary-token';
const MQTT_PASSWORD = 'demo-mqtt-canary-password';

describe('demo environment', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(demoSettings({}), { port: 1880, pollSeconds: 60, targets: [], ha: null, mqtt: null });
  });

  it('reads PORT, HIK_GUARD_POLL_SECONDS, HIK_GUARD_TARGETS, HA_URL, HA_TOKEN and MQTT_*', () => {
    assert.deepEqual(
      demoSettings({
        PORT: '1999',
        HIK_GUARD_POLL_SECONDS: '15',
        HIK_GUARD_TARGETS: '10.0.0.5, 10.0.0.6',
        HA_URL: 'http://ha.lan:8123',
        HA_TOKEN: 't',
        MQTT_URL: 'mqtt://ha.lan:1883',
        MQTT_USERNAME: 'nodered',
        MQTT_PASSWORD: 'p',
      }),
      {
        port: 1999,
        pollSeconds: 15,
        targets: ['10.0.0.5', '10.0.0.6'],
        ha: { url: 'http://ha.lan:8123', token: 't' },
        mqtt: { url: 'mqtt://ha.lan:1883', username: 'nodered', password: 'p' },
      },
    );
  });

  it('refuses a bad number or half a Home Assistant by name', () => {
    assert.throws(() => demoSettings({ PORT: 'x' }), /PORT/);
    assert.throws(() => demoSettings({ HIK_GUARD_POLL_SECONDS: '0' }), /HIK_GUARD_POLL_SECONDS/);
    assert.throws(() => demoSettings({ HA_URL: 'http://ha:8123' }), /HA_TOKEN/);
    assert.throws(() => demoSettings({ MQTT_URL: 'mqtt://user:pw@ha:1883' }), /MQTT_USERNAME/);
  });

  it('watch mode probes the targets on the given interface and polls at the given interval', () => {
    const settings = demoSettings({ HIK_GUARD_TARGETS: '127.0.0.5', HIK_GUARD_POLL_SECONDS: '7' });
    const { flows } = watchTargetNodes('tab', settings, '127.0.0.1');
    const discover = flows.find((n) => n.type === 'hik-discover');
    const reset = flows.find((n) => n.type === 'hik-reset');
    assert.deepEqual(
      [discover?.targets, discover?.interfaces, reset?.interfaces, reset?.pollSeconds, reset?.server],
      ['127.0.0.5', '127.0.0.1', '127.0.0.1', 7, ''],
    );
    assert.equal(reset?.mqtt, '');
    const withBroker = watchTargetNodes(
      'tab',
      demoSettings({ MQTT_URL: 'mqtt://127.0.0.1:1883' }),
      '127.0.0.1',
    );
    const broker = withBroker.flows.find((n) => n.type === 'hik-mqtt');
    assert.equal(withBroker.flows.find((n) => n.type === 'hik-reset')?.mqtt, broker?.id);
    assert.deepEqual(withBroker.credentials[String(broker?.id)], { user: '', password: '' });
  });
});

describe('demo user directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hik-guard-demo-dir-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the credentials encrypted, and Node-RED decrypts them without a warning', async () => {
    const credentials = {
      'dev-1': { password: 'Demo-Cred-Canary1' },
      'ha-1': { token: 'demo-token-canary' },
    };
    prepareDemoUserDir({ dir, packageRoot: join(__dirname, '..', '..'), port: 1880, flows: [], credentials });
    const stored = readFileSync(join(dir, 'flows_cred.json'), 'utf8');
    assert.ok(!stored.includes('Canary1') && !stored.includes('token-canary'), 'nothing in clear');
    assert.deepEqual(Object.keys(JSON.parse(stored) as object), ['$']);

    // The runtime's own credentials module, with the settings the demo writes.
    const modulePath = require.resolve('@node-red/runtime/lib/nodes/credentials', {
      paths: [dirname(nodeRedPath)],
    });
    const runtimeCredentials = require(modulePath) as {
      init(runtime: unknown): void;
      load(credentials: unknown): Promise<void>;
      get(id: string): unknown;
    };
    const warnings: string[] = [];
    runtimeCredentials.init({
      log: { warn: (m: string) => warnings.push(m), debug: () => undefined, _: (key: string) => key },
      settings: { get: (key: string) => (key === 'credentialSecret' ? DEMO_CREDENTIAL_SECRET : undefined) },
    });
    await runtimeCredentials.load(JSON.parse(stored));
    assert.deepEqual(warnings, []);
    assert.deepEqual(runtimeCredentials.get('dev-1'), credentials['dev-1']);
    assert.deepEqual(runtimeCredentials.get('ha-1'), credentials['ha-1']);
  });
});

describe('npm start with the simulator', function () {
  this.timeout(180_000);
  const root = join(__dirname, '..', '..');
  const userDir = mkdtempSync(join(tmpdir(), 'hik-guard-npm-start-'));
  let npm: ChildProcess | undefined;
  let output = '';
  let recorded: ProcessInfo[] = [];

  before(function () {
    // The process checks read /proc.
    if (process.platform !== 'linux') this.skip();
  });

  after(async () => {
    for (const leftover of recorded.filter(isRunning)) process.kill(leftover.pid, 'SIGKILL');
    if (npm && npm.exitCode === null && npm.signalCode === null) {
      npm.kill('SIGKILL');
      await new Promise((resolve) => npm?.once('exit', resolve));
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  it('prints the editor URL once it answers, whose hints work, and SIGTERM to npm leaves nothing behind', async () => {
    npm = spawn('npm', ['start'], {
      cwd: root,
      // PORT=0: a free port, printed in the URL.
      env: { ...process.env, PORT: '0', HIK_GUARD_DEMO_DIR: userDir, HIK_SIM_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const npmPid = npm.pid;
    assert.ok(npmPid !== undefined);

    const url = await eventually(
      'the editor URL',
      () => {
        if (npm?.exitCode !== null) throw new Error(`npm start ended early:\n${output}`);
        return /Node-RED editor: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      },
      150_000,
    );
    recorded = descendantsOf(npmPid);
    assert.ok(
      // Node-RED renames its process to node-red.
      recorded.some((p) => /^node-red\b|red\.js/.test(p.command)),
      `Node-RED runs under npm: ${JSON.stringify(recorded)}`,
    );
    assert.equal((await fetch(`${url}/`)).status, 200, 'the editor answers once its URL is printed');
    assert.ok(
      output.indexOf('Server now running') < output.indexOf('Node-RED editor:'),
      'the URL comes after Node-RED is listening',
    );
    assert.ok(!output.includes('Encrypted credentials not found'), output);

    // The printed reset command (curl --digest), sent by the test's digest client.
    const reset = /curl --digest -u admin:(\S+) -X PUT '(http:\/\/[^']+)'/.exec(output);
    assert.ok(reset?.[1] && reset[2], output);
    const target = new URL(reset[2]);
    const serial = /Factory-reset camera (\S+) \(/.exec(output)?.[1];
    const answer = await digestRequest(
      { host: target.hostname, port: Number(target.port), https: false },
      target.pathname + target.search,
      { userName: 'admin', password: reset[1] },
      { method: 'PUT' },
    );
    assert.equal(tagText(answer.body, 'statusCode'), '1', answer.body);
    await eventually(
      'the reset camera reported inactive',
      () => output.includes(`Device ${serial} (${target.hostname}) is now inactive`),
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${output}`);
    });

    // The printed CLI commands.
    const status = /HIK_PW=(\S+) npx hik-guard status (.+)$/m.exec(output);
    assert.ok(status?.[1] && status[2], output);
    const statusRun = await runCli(['status', ...status[2].trim().split(/\s+/), '--json'], {
      HIK_PW: status[1],
    });
    assert.equal(statusRun.code, 0, statusRun.stderr);
    assert.equal((JSON.parse(statusRun.stdout) as { activated: boolean }).activated, true);
    const discover = /npx hik-guard discover (.+)$/m.exec(output);
    assert.ok(discover?.[1], output);
    const discoverRun = await runCli(['discover', ...discover[1].trim().split(/\s+/), '--json']);
    assert.equal(discoverRun.code, 0, discoverRun.stderr);
    assert.equal((JSON.parse(discoverRun.stdout) as unknown[]).length, 4, 'three cameras and the NVR');
    const vaultList = /(HIK_GUARD_VAULT_KEY)=(\S+) npx hik-guard vault list --vault (\S+)$/m.exec(output);
    assert.ok(vaultList?.[2] && vaultList[3], output);
    const listRun = await runCli(['vault', 'list', '--vault', vaultList[3], '--json'], {
      HIK_GUARD_VAULT_KEY: vaultList[2],
    });
    assert.equal(listRun.code, 0, listRun.stderr);

    // What a process manager does: SIGTERM to npm alone.
    const npmExit = new Promise((resolve) => npm?.once('exit', resolve));
    process.kill(npmPid, 'SIGTERM');
    await npmExit;
    await eventually(
      'no demo or Node-RED process left',
      () => recorded.filter(isRunning).length === 0,
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(recorded.filter(isRunning))}\n${output}`);
    });
    assert.equal(await portProblem(Number(new URL(url).port)), null, 'the editor port is free again');
  });
});

describe('npm start with the editor port in use', function () {
  this.timeout(30_000);
  const userDir = mkdtempSync(join(tmpdir(), 'hik-guard-busy-port-'));
  let blocker: Server;

  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  });
  after(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    rmSync(userDir, { recursive: true, force: true });
  });

  it('ends at once with a message naming PORT, before starting anything', async () => {
    const address = blocker.address();
    assert.ok(address !== null && typeof address === 'object');
    const demo = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'scripts', 'demo.js')], {
      env: { ...process.env, PORT: String(address.port), HIK_GUARD_DEMO_DIR: userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`Port ${address.port} is in use; set PORT=`));
    for (const never of ['Simulated fleet', 'Welcome to Node-RED', 'Node-RED editor:']) {
      assert.ok(!output.includes(never), `${never} in:\n${output}`);
    }
    assert.equal(existsSync(join(userDir, 'settings.js')), false, 'no user directory prepared');
  });
});

describe('npm start demo watching a device (HIK_GUARD_TARGETS + HA_URL + MQTT_URL)', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let ha: HaTestServer;
  /** Both paths at once when Mosquitto is here (always under CI). */
  let broker: Mosquitto | null = null;
  let observer: MqttObserver | null = null;
  let demo: ChildProcess;
  let output = '';
  const userDir = mkdtempSync(join(tmpdir(), 'hik-guard-demo-'));

  before(async function () {
    fleet = await SimFleet.start({
      devices: [
        {
          adminPassword: 'Demo-Watch-Pw-1!',
          deviceType: 'IPCamera',
          model: 'DS-2CD2043G2-I',
          serialNumber: 'DS-2CD2043G2-I20240401AAWRK00000091',
          macAddress: 'c0:56:e3:00:09:01',
        },
      ],
      baseAddress: '127.0.0.91',
      port: 0,
      sadp: true,
    });
    ha = await HaTestServer.start({ tokens: { [HA_TOKEN]: { isAdmin: true } } });
    if (existsSync(MOSQUITTO) || process.env.CI) {
      broker = await Mosquitto.start({ users: { demo: MQTT_PASSWORD } });
      observer = await MqttObserver.connect(broker.url, { username: 'demo', password: MQTT_PASSWORD });
    }
    demo = spawn(process.execPath, [join(root, 'dist', 'scripts', 'demo.js')], {
      env: {
        ...process.env,
        PORT: '0',
        HIK_GUARD_DEMO_DIR: userDir,
        HIK_GUARD_TARGETS: fleet.devices[0]?.host ?? '',
        HIK_GUARD_POLL_SECONDS: '2',
        HA_URL: ha.url,
        HA_TOKEN,
        ...(broker ? { MQTT_URL: broker.url, MQTT_USERNAME: 'demo', MQTT_PASSWORD } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  after(async function () {
    if ((demo as ChildProcess | undefined) && demo.exitCode === null) {
      demo.kill('SIGKILL');
      await new Promise((resolve) => demo.once('exit', resolve));
    }
    await observer?.close();
    await broker?.stop();
    await (ha as HaTestServer | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('tells Home Assistant about a factory reset within one poll interval, then stops on SIGTERM', async () => {
    const device = fleet.devices[0];
    assert.ok(device);
    const entity = entityIdForSerial(device.serialNumber);
    await eventually(
      'the watched device active in Home Assistant',
      () => ha.core.states.get(entity)?.state === 'active',
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${output}`);
    });
    await device.factoryReset();
    // Bounded wait, not a timing goal: the poll interval is 2 s, Hellos arrive sooner.
    await eventually(
      'the inactive state in Home Assistant',
      () => ha.core.states.get(entity)?.state === 'inactive',
      10_000,
    );
    const event = ha.core.firedEvents.find(
      (e) => e.event_type === 'hik_guard_event' && e.data.to === 'inactive',
    );
    assert.ok(event, 'hik_guard_event with to: inactive');
    assert.equal(event.data.serial, device.serialNumber);
    const state = `hik_guard/${serialSlug(device.serialNumber)}/state`;
    if (observer) {
      const seen = observer;
      await eventually('the inactive state on the broker', () => seen.json(state)?.problem === 'ON', 10_000);
      assert.ok(
        [...seen.retained.keys()].some(
          (t) => t.startsWith('homeassistant/sensor/') && t.endsWith('_activation/config'),
        ),
        'discovery for the watched device',
      );
    }

    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.ok(!output.includes(HA_TOKEN), 'the token is never printed');
    assert.ok(!output.includes(MQTT_PASSWORD), 'nor the broker password');
    if (broker)
      assert.equal(
        (await MqttObserver.retainedNow(broker.url, { username: 'demo', password: MQTT_PASSWORD })).get(
          'hik_guard/bridge/status',
        ),
        'offline',
      );
  });
});
