import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFlows } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import { sharedFleets, sharedSadpSockets, sharedVaults } from '../../lib/runtime';
import hikDevice = require('../../nodes/hik-device/hik-device');
import hikHomeAssistant = require('../../nodes/hik-homeassistant/hik-homeassistant');
import hikReset = require('../../nodes/hik-reset/hik-reset');
import { SimFleet, type SimDevice } from '../../sim';
import { HaTestServer } from '../support/ha-test-server';
import { withCatalog } from '../support/node-catalog';
import { helper } from '../support/node-red';
import { LOOPBACK_SPEC } from '../support/sadp-test-network';
import { waitFor } from '../lib/homeassistant/support';
import { unhandledRejectionsDuring } from '../support/unhandled-rejections';

const resetNode = withCatalog(hikReset, 'hik-reset');
const TOKEN = 'ha-token-canary-5c1d0e9b';
const ADMIN = 'Reset-Node-Admin7!';
const SECRET = 'hik-reset-node-secret';
const CAMERA = 'DS-2CD2043G2-I20230101AAWRJ55500001';
const ENTITY = 'sensor.hik_guard_ds_2cd2043g2_i20230101aawrj55500001';

interface Msg {
  topic?: string;
  payload?: Record<string, unknown> | Record<string, unknown>[];
}

function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (msg: unknown) => got.push(msg as Msg));
  return got;
}

describe('hik-reset node', function () {
  this.timeout(20_000);
  const originalSettings = (helper as unknown as { _settings: unknown })._settings;
  let userDir: string;
  let fleet: SimFleet;
  let camera: SimDevice;
  let server: HaTestServer;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    userDir = await mkdtemp(join(tmpdir(), 'hik-reset-node-'));
    helper.settings({ userDir, credentialSecret: SECRET });
    fleet = await SimFleet.start({
      devices: [{ adminPassword: ADMIN, serialNumber: CAMERA, macAddress: '44:19:b6:5e:06:01' }],
      port: 0,
      sadp: { announceOnStart: false },
    });
    camera = fleet.devices[0] as SimDevice;
    camera.profile.rebootMs = 20;
    server = await HaTestServer.start({ tokens: { [TOKEN]: { isAdmin: true } } });
  });
  afterEach(async () => {
    await helper.unload();
    for (const runtimeFleet of await sharedFleets().all()) {
      assert.equal(runtimeFleet.viewCount, 0, 'the node closed its view of the fleet');
      await runtimeFleet.settled(); // its alert memory is written before the folder goes
    }
    (helper as unknown as { _settings: unknown })._settings = originalSettings;
    await sharedVaults().closeAll();
    await fleet.stop();
    await server.stop();
    await rm(userDir, { recursive: true, force: true });
    assert.equal(sharedSadpSockets().openSockets, 0, 'the node closed its SADP sockets');
  });

  function flow(extra: Record<string, unknown> = {}): TestFlows {
    return [
      {
        id: 'dev',
        type: 'hik-device',
        name: 'Garage',
        host: camera.host,
        port: camera.port,
        protocol: 'http',
        username: 'admin',
        serial: CAMERA,
        allowHttpPasswordChange: false,
        version: 2,
      },
      { id: 'ha', type: 'hik-homeassistant', name: 'home', url: server.url, version: 1 },
      {
        id: 'reset',
        type: 'hik-reset',
        devices: [{ device: 'dev' }],
        listed: '',
        server: 'ha',
        pollSeconds: 0,
        passive: true,
        interfaces: LOOPBACK_SPEC,
        offlineAfter: 3,
        version: 1,
        wires: [['changes'], ['table']],
        ...extra,
      },
      { id: 'changes', type: 'helper' },
      { id: 'table', type: 'helper' },
    ] as TestFlows;
  }

  it('counts a device nothing has answered for yet apart, on a grey ring, not as all well', async () => {
    const flows = flow();
    const device = flows.find((n) => n.id === 'dev');
    Object.assign(device ?? {}, { host: '127.0.0.1', port: 9, serial: 'DS-NEVER-HEARD0000000001' });
    Object.assign(flows.find((n) => n.id === 'reset') ?? {}, { passive: false });
    await helper.load([hikDevice, hikHomeAssistant, resetNode], flows, { ha: { token: TOKEN } });
    const status = Reflect.get(helper.getNode('reset'), 'status') as SinonSpy;
    await waitFor('the status', () =>
      status.calledWithMatch({
        fill: 'grey',
        shape: 'ring',
        text: '0 ok · 0 inactive · 0 attention · 1 not heard from yet',
      }),
    );
  });

  it('a factory reset reaches the flow and Home Assistant (event to inactive, entity inactive) from the Hello alone', async () => {
    await helper.load([hikDevice, hikHomeAssistant, resetNode], flow(), { ha: { token: TOKEN } });
    const changes = collect('changes');
    const tables = collect('table');
    helper.getNode('reset').receive({ topic: 'poll' });
    await waitFor('active', () => changes.some((m) => m.topic === 'active'));
    await camera.factoryReset();
    await waitFor('inactive message', () => changes.some((m) => m.topic === 'inactive'));
    const msg = changes.find((m) => m.topic === 'inactive');
    const payload = msg?.payload as Record<string, unknown>;
    assert.equal(payload.serial, CAMERA);
    assert.equal(payload.name, 'Garage');
    assert.equal(payload.from, 'active');
    assert.equal(payload.to, 'inactive');
    assert.equal((payload.evidence as Record<string, unknown>).via, 'hello');
    assert.equal(typeof payload.since, 'string');
    const table = tables.at(-1)?.payload as Record<string, unknown>[];
    assert.deepEqual(
      table.map((r) => [r.serial, r.state]),
      [[CAMERA, 'inactive']],
    );
    await waitFor('HA event', () =>
      server.core.firedEvents.some((e) => e.event_type === 'hik_guard_event' && e.data.to === 'inactive'),
    );
    await waitFor('HA entity', () => server.core.states.get(ENTITY)?.state === 'inactive');
    const status = Reflect.get(helper.getNode('reset'), 'status') as SinonSpy;
    assert.ok(
      status.calledWithMatch({ fill: 'red', shape: 'dot', text: '0 ok · 1 inactive · 0 attention' }),
      JSON.stringify(status.args),
    );
    const [runtimeFleet] = await sharedFleets().all();
    assert.deepEqual(
      runtimeFleet?.rows().map((r) => [r.serial, r.state, r.name]),
      [[CAMERA, 'inactive', 'Garage']],
    );
    const logged = JSON.stringify(helper.log().args);
    assert.ok(!logged.includes(TOKEN), 'the token never reaches the log');
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.authenticatedRequests, 0);
  });

  it('takes hik-discover messages on its input and polls the device on its announced port', async () => {
    await helper.load(
      [hikDevice, hikHomeAssistant, resetNode],
      flow({ devices: [], server: '', passive: false }),
    );
    const changes = collect('changes');
    const device = {
      serial: CAMERA,
      model: 'DS-2CD2043G2-I',
      ipv4: camera.host,
      sourceAddress: camera.host,
      httpPort: camera.port,
      activated: true,
      bootTime: null,
      dhcp: true,
      offSubnet: false,
    };
    helper.getNode('reset').receive({ topic: 'added', payload: device });
    await waitFor('active', () => changes.some((m) => m.topic === 'active'));
    await camera.factoryReset();
    helper.getNode('reset').receive({ topic: 'poll' });
    await waitFor('inactive', () => changes.some((m) => m.topic === 'inactive'));
    const payload = changes.find((m) => m.topic === 'inactive')?.payload as Record<string, unknown>;
    assert.equal((payload.evidence as Record<string, unknown>).signal, 'activateStatus');
  });

  it('refuses an input that is neither a discovery device nor a poll request, through done(err)', async () => {
    await helper.load([hikDevice, hikHomeAssistant, resetNode], flow({ server: '', passive: false }));
    const node = helper.getNode('reset') as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
    const errored = new Promise<void>((resolve) => {
      node.on('call:error', () => resolve());
    });
    node.receive({ topic: 'added', payload: 'nonsense' });
    await errored;
  });

  it('a programming error in a background fleet task is reported on the node; Node-RED carries on', async () => {
    const unhandled = await unhandledRejectionsDuring(async () => {
      await helper.load([hikDevice, hikHomeAssistant, resetNode], flow({ server: '', passive: false }));
      const changes = collect('changes');
      helper.getNode('reset').receive({ topic: 'poll' });
      await waitFor('active', () => changes.some((m) => m.topic === 'active'));
      const [runtimeFleet] = await sharedFleets().all();
      assert.ok(runtimeFleet);
      const observePoll = runtimeFleet.monitor.observePoll.bind(runtimeFleet.monitor);
      runtimeFleet.monitor.observePoll = () => {
        throw new TypeError('a bug in a background task');
      };
      const node = helper.getNode('reset') as unknown as { status: SinonSpy; error: SinonSpy };
      helper.getNode('reset').receive({ topic: 'poll' });
      await waitFor('the error reported on the node', () =>
        node.error.args.some((a) => String(a[0]).includes('a bug in a background task')),
      );
      assert.ok(node.status.calledWithMatch({ fill: 'red', shape: 'ring', text: 'errors.HIK_ERR' }));
      runtimeFleet.monitor.observePoll = observePoll;
      await camera.factoryReset();
      helper.getNode('reset').receive({ topic: 'poll' });
      await waitFor('the watch still working: the reset seen', () =>
        changes.some((m) => m.topic === 'inactive'),
      );
    });
    assert.deepEqual(unhandled, []);
  });
});
