import assert from 'node:assert/strict';
import type { TestFlows } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import hikDiscover = require('../../nodes/hik-discover/hik-discover');
import { sharedSadpSockets } from '../../lib/runtime';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import { SimFleet, type SimFleetMember } from '../../sim';
import { helper } from '../support/node-red';
import { withCatalog } from '../support/node-catalog';
import { LOOPBACK_SPEC } from '../support/sadp-test-network';

const discoverNode = withCatalog(hikDiscover, 'hik-discover');
const ADMIN = 'Disc0very-Admin!';

interface Msg {
  topic?: string;
  payload?: unknown;
  changes?: string[];
  _msgid?: string;
}

function members(): SimFleetMember[] {
  return [
    {
      adminPassword: ADMIN,
      serialNumber: 'DS-2CD2386G2-IU20240201AAWRJ00000101',
      macAddress: '44:19:b6:5e:01:01',
    },
    {
      adminPassword: ADMIN,
      serialNumber: 'DS-2CD2443G0-IW20200316AAWRJ00000102',
      macAddress: '44:19:b6:5e:01:02',
      sadp: { factoryAddress: '192.168.1.64', crlf: true },
    },
    {
      adminPassword: null,
      serialNumber: 'DS-2CD2532F-IWS20140721AAWRJ00000103',
      macAddress: '44:19:b6:5e:01:03',
      sadp: { flase: true, macStyle: 'dash-upper' },
    },
  ];
}

function discover(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: 'hik-discover',
    name: `discover ${id}`,
    interfaces: LOOPBACK_SPEC,
    targets: '',
    windowMs: 300,
    intervalSeconds: 0,
    passive: true,
    goneAfterSeconds: 45,
    sendList: true,
    outputs: 2,
    version: 1,
    wires: [[`${id}-events`], [`${id}-list`]],
    ...extra,
  };
}

function sinks(id: string): Record<string, unknown>[] {
  return [
    { id: `${id}-events`, type: 'helper' },
    { id: `${id}-list`, type: 'helper' },
  ];
}

/** Every message reaching a helper node from now on. */
function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => got.push(msg));
  return got;
}

/** Resolves once `predicate` holds for the collected messages; bounded. */
async function until(
  messages: Msg[],
  predicate: (m: Msg[]) => boolean,
  what: string,
  ms = 4000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate(messages)) {
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; got ${JSON.stringify(messages.map((m) => m.topic))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function statusSpy(id: string): SinonSpy {
  return Reflect.get(helper.getNode(id), 'status') as SinonSpy;
}

describe('hik-discover node', function () {
  this.timeout(20_000);
  let fleet: SimFleet | null = null;
  let skew = 0;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await fleet?.stop();
    fleet = null;
    assert.equal(sharedSadpSockets().openSockets, 0, 'every SADP socket closed with the flow');
  });

  async function startFleet(): Promise<SimFleet> {
    skew = 0;
    fleet = await SimFleet.start({
      devices: members(),
      port: 0,
      sadp: true,
      clock: () => Date.now() + skew,
    });
    for (const d of fleet.devices) d.profile.rebootMs = 20;
    return fleet;
  }

  it('on input sends one added event per device, inactive for the factory-state one, then the list', async () => {
    await startFleet();
    await helper.load(discoverNode, [discover('d1'), ...sinks('d1')] as TestFlows);
    const events = collect('d1-events');
    const lists = collect('d1-list');
    helper.getNode('d1').receive({ payload: 'scan' });
    await until(lists, (l) => l.length === 1, 'the device list');
    const added = events.filter((m) => m.topic === 'added');
    assert.deepEqual(
      added.map((m) => (m.payload as SadpDevice).serial).sort(),
      members()
        .map((m) => m.serialNumber)
        .sort(),
    );
    const inactive = events.filter((m) => m.topic === 'inactive');
    assert.equal(inactive.length, 1);
    const claimable = inactive[0]?.payload as SadpDevice;
    assert.equal(claimable.serial, 'DS-2CD2532F-IWS20140721AAWRJ00000103');
    assert.equal(claimable.activated, false);
    assert.equal(claimable.mac, '44:19:b6:5e:01:03');
    const list = lists[0];
    assert.ok(list);
    assert.equal(list.topic, 'devices');
    assert.equal((list.payload as SadpDevice[]).length, 3);
    assert.ok(
      statusSpy('d1').calledWithMatch({ fill: 'red', shape: 'dot', text: '3 devices, 1 inactive' }),
      JSON.stringify(statusSpy('d1').args),
    );
  });

  it('notices a factory reset from the device’s Hello alone, without another scan', async () => {
    const sim = await startFleet();
    await helper.load(discoverNode, [discover('d1'), ...sinks('d1')] as TestFlows);
    const events = collect('d1-events');
    const lists = collect('d1-list');
    helper.getNode('d1').receive({ payload: 'scan' });
    await until(lists, (l) => l.length === 1, 'the first scan');
    events.length = 0;
    const camera = sim.devices[1];
    assert.ok(camera);
    skew += 120_000;
    await camera.factoryReset();
    await until(events, (m) => m.some((e) => e.topic === 'inactive'), 'an inactive event');
    const inactive = events.find((e) => e.topic === 'inactive');
    const device = inactive?.payload as SadpDevice;
    assert.equal(device.serial, 'DS-2CD2443G0-IW20200316AAWRJ00000102');
    assert.equal(device.ipv4, '192.168.1.64');
    assert.equal(device.offSubnet, true);
    assert.deepEqual(
      events.map((e) => e.topic),
      ['changed', 'rebooted', 'inactive'],
    );
    assert.ok(inactive?.changes?.includes('activated'));
    assert.equal(lists.length, 1, 'no scan ran');
    assert.ok(statusSpy('d1').calledWithMatch({ fill: 'red', text: '3 devices, 2 inactive' }));
  });

  it('several nodes share one socket set: one inquiry socket and one group socket in all', async () => {
    await startFleet();
    await helper.load(discoverNode, [
      discover('d1'),
      ...sinks('d1'),
      discover('d2'),
      ...sinks('d2'),
      discover('d3', { passive: false }),
      ...sinks('d3'),
    ] as TestFlows);
    const lists = ['d1', 'd2', 'd3'].map((id) => collect(`${id}-list`));
    for (const id of ['d1', 'd2', 'd3']) helper.getNode(id).receive({ payload: 'scan' });
    for (const l of lists) await until(l, (m) => m.length === 1, 'each node’s list');
    for (const l of lists) assert.equal((l[0]?.payload as SadpDevice[]).length, 3);
    assert.equal(sharedSadpSockets().openSockets, 2);
  });

  it('scans on its interval without input and sends only the changes', async () => {
    await startFleet();
    await helper.load(discoverNode, [
      discover('d1', { intervalSeconds: 1, passive: false }),
      ...sinks('d1'),
    ] as TestFlows);
    const events = collect('d1-events');
    const lists = collect('d1-list');
    await until(lists, (l) => l.length >= 2, 'two interval scans');
    assert.equal(events.filter((e) => e.topic === 'added').length, 3, 'added once each, not per scan');
  });

  it('with an unusable configuration shows a red ring, warns once and sends nothing', async () => {
    await helper.load(discoverNode, [discover('d1', { windowMs: 5 }), ...sinks('d1')] as TestFlows);
    assert.ok(
      statusSpy('d1').calledWithMatch({ fill: 'red', shape: 'ring', text: 'hik-discover.status.invalid' }),
    );
    const warnings = helper
      .log()
      .args.map((a: unknown[]) => a[0] as { level: number; id?: string; msg?: unknown })
      .filter((e) => e.level === 30 && e.id === 'd1');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]?.msg), /listening time from 100 to 30000 ms/);
    assert.equal(sharedSadpSockets().openSockets, 0);
  });

  it('names an interface that does not exist in its warning instead of scanning everywhere', async () => {
    await helper.load(discoverNode, [
      discover('d1', { interfaces: '127.0.0.1, no-such-if0' }),
      ...sinks('d1'),
    ] as TestFlows);
    assert.ok(statusSpy('d1').calledWithMatch({ fill: 'red', text: 'hik-discover.status.invalid' }));
    assert.equal(sharedSadpSockets().openSockets, 0);
  });
});
