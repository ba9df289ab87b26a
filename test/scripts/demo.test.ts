/**
 * The `npm start` demo (dist/scripts/demo.js) in its watch mode, as the README documents it: with
 * HIK_GUARD_TARGETS naming a device (a simulated one on loopback here) and HA_URL + HA_TOKEN a
 * Home Assistant (the HA test server), a factory reset of the watched device reaches Home
 * Assistant as a `hik_guard_event` with `to: "inactive"` and as the state `inactive` of
 * `sensor.hik_guard_<serial-slug>`, within one poll interval; SIGTERM then stops it cleanly.
 * Also the environment parsing, without starting anything.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityIdForSerial } from '../../lib/homeassistant/device-entity';
import { demoSettings, watchTargetNodes } from '../../scripts/demo-settings';
import { SimFleet } from '../../sim';
import { HaTestServer } from '../support/ha-test-server';
import { eventually } from '../support/node-red-process';

const root = join(__dirname, '..', '..');
const HA_TOKEN = 'demo-ha-canary-token';

describe('demo environment', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(demoSettings({}), { port: 1880, pollSeconds: 60, targets: [], ha: null });
  });

  it('reads PORT, HIK_GUARD_POLL_SECONDS, HIK_GUARD_TARGETS, HA_URL and HA_TOKEN', () => {
    assert.deepEqual(
      demoSettings({
        PORT: '1999',
        HIK_GUARD_POLL_SECONDS: '15',
        HIK_GUARD_TARGETS: '10.0.0.5, 10.0.0.6',
        HA_URL: 'http://ha.lan:8123',
        HA_TOKEN: 't',
      }),
      {
        port: 1999,
        pollSeconds: 15,
        targets: ['10.0.0.5', '10.0.0.6'],
        ha: { url: 'http://ha.lan:8123', token: 't' },
      },
    );
  });

  it('refuses a bad number or half a Home Assistant by name', () => {
    assert.throws(() => demoSettings({ PORT: 'x' }), /PORT/);
    assert.throws(() => demoSettings({ HIK_GUARD_POLL_SECONDS: '0' }), /HIK_GUARD_POLL_SECONDS/);
    assert.throws(() => demoSettings({ HA_URL: 'http://ha:8123' }), /HA_TOKEN/);
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
  });
});

describe('npm start demo watching a device (HIK_GUARD_TARGETS + HA_URL)', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let ha: HaTestServer;
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
    demo = spawn(process.execPath, [join(root, 'dist', 'scripts', 'demo.js')], {
      env: {
        ...process.env,
        PORT: '0',
        HIK_GUARD_DEMO_DIR: userDir,
        HIK_GUARD_TARGETS: fleet.devices[0]?.host ?? '',
        HIK_GUARD_POLL_SECONDS: '2',
        HA_URL: ha.url,
        HA_TOKEN,
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

    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.ok(!output.includes(HA_TOKEN), 'the token is never printed');
  });
});
