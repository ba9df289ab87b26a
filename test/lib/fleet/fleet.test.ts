/**
 * The fleet owns each device once, whatever the number of views: views of one camera share one
 * poll and one state machine, a transition is one alert per Home Assistant link, a link's alert
 * memory survives a restart (no alert again for a device still inactive, one for a reset that
 * happened while the process was down), and a programming error in background work is reported,
 * never an unhandled rejection.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertMemory } from '../../../lib/fleet/alert-memory';
import { Fleet } from '../../../lib/fleet/fleet';
import type { AlertPublisher } from '../../../lib/homeassistant/alert-publisher';
import type { EntityState } from '../../../lib/homeassistant/device-entity';
import type { EntityPublisher } from '../../../lib/homeassistant/entity-publisher';
import { HikGuardAlerts } from '../../../lib/homeassistant/hik-guard-alerts';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { DeviceChange } from '../../../lib/monitor/activation-monitor';
import { SimFleet, type SimDevice } from '../../../sim';
import { helloOf } from '../../support/sadp-hello';
import { unhandledRejectionsDuring } from '../../support/unhandled-rejections';

const CAMERA = 'DS-2CD2386G2-IU20240201AAWRJ00000601';

/** Home Assistant as a recorder: what each link was sent, each event accepted at once. */
class RecordedLink {
  readonly events: { type: unknown; serial: unknown }[] = [];
  readonly entities: EntityState[] = [];
  readonly alerts: HikGuardAlerts;

  constructor() {
    const entities: EntityPublisher = {
      publish: (entity) => this.entities.push(entity),
      republishAll: () => undefined,
      pending: 0,
      settled: () => Promise.resolve(),
      close: () => undefined,
    };
    const alerts: AlertPublisher = {
      fireEvent: (_type, data, onDelivered) => {
        this.events.push({ type: data.type, serial: data.serial });
        onDelivered?.();
      },
      showNotification: () => undefined,
      dismissNotification: () => undefined,
      notify: () => undefined,
      pending: 0,
      settled: () => Promise.resolve(),
      close: () => undefined,
    };
    this.alerts = new HikGuardAlerts({
      entities,
      alerts,
      describe: (t) => ({ title: t.type, message: t.serial }),
    });
  }

  types(): unknown[] {
    return this.events.map((e) => e.type);
  }
}

describe('fleet: one owner per device', function () {
  this.timeout(15_000);
  let sims: SimFleet;
  let camera: SimDevice;
  let dir: string;
  const fleets: Fleet[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-fleet-'));
    sims = await SimFleet.start({
      devices: [{ adminPassword: 'Fleet-Admin-1!', serialNumber: CAMERA, macAddress: '44:19:b6:5e:06:01' }],
      port: 0,
    });
    camera = sims.devices[0] as SimDevice;
    camera.profile.rebootMs = 20;
  });
  afterEach(async () => {
    for (const fleet of fleets.splice(0)) await fleet.stop();
    await sims.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function fleetWith(memory?: AlertMemory, errors: Error[] = []): Fleet {
    const fleet = new Fleet({ vault: null, memory, guard: new LoginGuard(), onError: (e) => errors.push(e) });
    fleets.push(fleet);
    return fleet;
  }
  const poll = () => ({ host: camera.host!, port: camera.port!, protocol: 'http' as const });
  const polls = (): number => camera.counters.requestsByPath.get('GET /SDK/activateStatus') ?? 0;

  it('three views of one camera: one poll per round, one state machine, one alert per link', async () => {
    const fleet = fleetWith();
    const [linkA, linkB] = [new RecordedLink(), new RecordedLink()];
    const heard: DeviceChange[][] = [[], [], []];
    const views = [
      fleet.view({
        pollIntervalMs: 0,
        link: { key: 'A', alerts: linkA.alerts },
        onChange: (c) => heard[0]!.push(c),
      }),
      fleet.view({
        pollIntervalMs: 0,
        link: { key: 'A', alerts: linkA.alerts },
        onChange: (c) => heard[1]!.push(c),
      }),
      fleet.view({
        pollIntervalMs: 0,
        link: { key: 'B', alerts: linkB.alerts },
        onChange: (c) => heard[2]!.push(c),
      }),
    ];
    for (const view of views) view.watch(CAMERA, { name: 'Porch', poll: poll() });
    const before = polls();
    await fleet.pollNow();
    assert.equal(polls(), before + 1, 'one poll for three views');
    await camera.factoryReset();
    await fleet.pollNow();
    assert.equal(polls(), before + 2);
    for (const changes of heard)
      assert.deepEqual(
        changes.map((c) => c.to),
        ['active', 'inactive'],
        'every view hears each change once',
      );
    assert.deepEqual(linkA.types(), ['inactive'], 'one alert on the link two views share');
    assert.deepEqual(linkB.types(), ['inactive'], 'one alert on the other link');
  });

  it('a device SADP does not reach is polled a moment after a view watches it, not a whole interval later', async () => {
    const fleet = fleetWith();
    const heard: DeviceChange[] = [];
    const view = fleet.view({ pollIntervalMs: 60_000, onChange: (c) => heard.push(c) });
    view.watch(CAMERA, { poll: poll() });
    const deadline = Date.now() + 10_000;
    while (!heard.some((c) => c.to === 'active')) {
      if (Date.now() > deadline) throw new Error('still unknown 10 s after the view started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(polls(), 1, 'one round, then the interval');
    assert.equal(heard.find((c) => c.to === 'active')?.evidence.signal, 'activateStatus');
  });

  it('a view with devices of its own hears another device’s announcement without taking it on', () => {
    const fleet = fleetWith();
    const [mine, listening] = [[] as DeviceChange[], [] as DeviceChange[]];
    const own = fleet.view({ pollIntervalMs: 0, onChange: (c) => mine.push(c) });
    own.watch('DS-OTHER-SERIAL', { poll: { host: '127.0.0.250', port: 1, protocol: 'http' } });
    const listenOnly = fleet.view({ pollIntervalMs: 0, onChange: (c) => listening.push(c) });
    const hello = helloOf(camera, camera.host!);
    listenOnly.observeSadp(hello, 'hello');
    own.observeSadp(hello, 'hello', false);
    assert.deepEqual(
      own.rows().map((r) => r.serial),
      ['DS-OTHER-SERIAL'],
    );
    assert.deepEqual(
      listenOnly.rows().map((r) => r.serial),
      [CAMERA],
    );
    assert.ok(listening.some((c) => c.serial === CAMERA && c.to === 'active'));
    assert.ok(!mine.some((c) => c.serial === CAMERA), 'the view with devices of its own heard nothing of it');
  });

  it('a redeploy (views closed and opened again) keeps the state and alerts nothing', async () => {
    const fleet = fleetWith();
    const link = new RecordedLink();
    const open = () => {
      const view = fleet.view({ pollIntervalMs: 0, link: { key: 'A', alerts: link.alerts } });
      view.watch(CAMERA, { poll: poll() });
      return view;
    };
    const first = open();
    await camera.factoryReset();
    await fleet.pollNow();
    assert.deepEqual(link.types(), ['inactive']);
    first.close();
    const second = open();
    assert.equal(second.rows()[0]?.state, 'inactive', 'the state outlived the view');
    await fleet.pollNow();
    await fleet.pollNow();
    assert.deepEqual(link.types(), ['inactive'], 'no second alert after the redeploy');
  });

  it('the alert memory on disk: a restart does not alert a device still inactive; a reset while down is alerted once', async () => {
    const file = join(dir, 'alerts.json');
    const run = async (): Promise<RecordedLink> => {
      const fleet = fleetWith(await AlertMemory.open(file, (err) => assert.fail(err)));
      const link = new RecordedLink();
      fleet
        .view({ pollIntervalMs: 0, link: { key: 'ha-1', alerts: link.alerts } })
        .watch(CAMERA, { poll: poll() });
      await fleet.pollNow();
      await fleet.settled();
      await fleet.stop();
      return link;
    };
    assert.deepEqual((await run()).types(), [], 'healthy: nothing');
    await camera.factoryReset();
    assert.deepEqual((await run()).types(), ['inactive'], 'reset while down: alerted once on start');
    assert.match(
      await readFile(file, 'utf8'),
      /"ha-1":\{"DS-2CD2386G2-IU20240201AAWRJ00000601":"inactive"\}/,
    );
    assert.deepEqual((await run()).types(), [], 'still inactive after a restart: not again');
  });

  it('a programming error in background work is reported to the view, never an unhandled rejection', async () => {
    const fleetErrors: Error[] = [];
    const viewErrors: Error[] = [];
    const unhandled = await unhandledRejectionsDuring(async () => {
      const fleet = fleetWith(undefined, fleetErrors);
      const view = fleet.view({ pollIntervalMs: 0, onError: (e) => viewErrors.push(e) });
      view.watch(CAMERA, { poll: poll() });
      // A bug inside the fleet's poll handling, as a programming error would be.
      fleet.monitor.observePoll = () => {
        throw new TypeError('a bug in a background task');
      };
      await fleet.pollNow();
    });
    assert.deepEqual(
      viewErrors.map((e) => e.message),
      ['a bug in a background task'],
    );
    assert.deepEqual(fleetErrors, []);
    assert.deepEqual(unhandled, []);
  });
});
