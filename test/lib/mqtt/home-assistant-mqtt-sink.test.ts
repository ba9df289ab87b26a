/**
 * The fleet published as Home Assistant devices, end to end below Node-RED: a real Fleet polling
 * simulated devices, a real MQTT link, a real broker (Mosquitto on loopback) and a client that
 * sees everything. Discovery for every device is retained and valid; a factory reset reaches the
 * state and problem sensors within one poll and fires the event entity; Home Assistant's birth
 * message brings everything again, configs before states; a device the fleet stops listing loses
 * its entities (also one an earlier run published); a press on Rotate now reaches fleet.act only
 * where allowed.
 */
import assert from 'node:assert/strict';
import type { ActionResult, CredentialAction } from '../../../lib/fleet/fleet';
import { Fleet } from '../../../lib/fleet/fleet';
import type { FleetView } from '../../../lib/fleet/fleet-view';
import { serialSlug } from '../../../lib/homeassistant/device-entity';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { availabilityTopic, type DiscoveryTopics } from '../../../lib/mqtt/ha-discovery';
import { HomeAssistantMqttSink, type ActionReport } from '../../../lib/mqtt/home-assistant-mqtt-sink';
import { MqttLink } from '../../../lib/mqtt/mqtt-link';
import { SimFleet, type SimDevice } from '../../../sim';
import { DiscoveryValidator } from '../../support/ha-discovery-validator';
import { Mosquitto, requireMosquitto } from '../../support/mosquitto';
import { MqttObserver } from '../../support/mqtt-observer';

const CAMERA = 'DS-2CD2386G2-IU20240201AAWRJ00000701';
const RECORDER = 'DS-7608NXI-I2/8P/S20230619CCRRJ00000702';
const TOPICS: DiscoveryTopics = {
  prefix: 'homeassistant',
  base: 'hik_guard',
  origin: { name: 'node-red-contrib-hik-guard', sw_version: 'test', support_url: 'https://example.invalid/' },
};
const stateTopic = (serial: string): string => `hik_guard/${serialSlug(serial)}/state`;
const configsOf = (held: Map<string, string>, serial: string): string[] =>
  [...held.keys()].filter(
    (t) => t.startsWith('homeassistant/') && t.includes(`hik_guard_${serialSlug(serial)}_`),
  );

describe('fleet as Home Assistant devices over MQTT (real broker)', function () {
  this.timeout(20_000);
  let broker!: Mosquitto;
  let sims!: SimFleet;
  let camera!: SimDevice;
  let observer!: MqttObserver;
  /** Rigs to stop (last first), then the broker, observer and simulator. */
  const stops: (() => Promise<void>)[] = [];
  const teardown: (() => Promise<void>)[] = [];

  beforeEach(async function () {
    requireMosquitto(this);
    broker = await Mosquitto.start();
    teardown.push(() => broker.stop());
    observer = await MqttObserver.connect(broker.url);
    teardown.push(() => observer.close());
    sims = await SimFleet.start({
      devices: [
        { adminPassword: 'Mqtt-Admin-1!', serialNumber: CAMERA, macAddress: '44:19:b6:5e:07:01' },
        {
          adminPassword: 'Mqtt-Admin-2!',
          serialNumber: RECORDER,
          deviceType: 'NVR',
          model: 'DS-7608NXI-I2/8P/S',
        },
      ],
      baseAddress: '127.0.0.71',
      port: 0,
    });
    teardown.push(() => sims.stop());
    camera = sims.devices[0]!;
    camera.profile.rebootMs = 20;
  });
  afterEach(async () => {
    for (const stop of [...teardown.splice(0), ...stops.splice(0)].reverse()) await stop();
  });

  interface Rig {
    fleet: Fleet;
    views: FleetView[];
    link: MqttLink;
    sink: HomeAssistantMqttSink;
    reports: ActionReport[];
    acted: CredentialAction[];
  }

  function poll(device: SimDevice) {
    return { host: device.host!, port: device.port!, protocol: 'http' as const };
  }

  /** A fleet watching the camera and the recorder (one view each), published to the broker. */
  async function rig(
    options: { allowed?: (serial: string) => boolean; watch?: 'both' | 'camera' } = {},
  ): Promise<Rig> {
    const errors: Error[] = [];
    const fleet = new Fleet({ vault: null, guard: new LoginGuard(), onError: (e) => errors.push(e) });
    const views = [fleet.view({ pollIntervalMs: 0 }), fleet.view({ pollIntervalMs: 0 })];
    views[0]!.watch(CAMERA, { name: 'Porch', poll: poll(camera) });
    if (options.watch !== 'camera')
      views[1]!.watch(RECORDER, { name: 'Recorder', poll: poll(sims.devices[1]!) });
    fleet.describe(CAMERA, { mac: '44:19:b6:5e:07:01' });
    await fleet.pollNow();
    const reports: ActionReport[] = [];
    const acted: CredentialAction[] = [];
    const link = new MqttLink({
      url: broker.url,
      clientId: `sink_${stops.length}`,
      availabilityTopic: availabilityTopic(TOPICS),
      subscriptions: HomeAssistantMqttSink.subscriptions(TOPICS),
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const sink = new HomeAssistantMqttSink({
      link,
      fleet,
      topics: TOPICS,
      actionsAllowed: options.allowed ?? (() => false),
      act: (serial, action) => fleet.act(serial, action),
      onAction: (r) => reports.push(r),
      removeAfterMs: 150,
      birthDelayMs: { min: 10, max: 60 },
    });
    stops.push(async () => {
      sink.close();
      await link.stop(1000);
      await fleet.stop();
      assert.deepEqual(errors, [], 'no background failure');
    });
    link.start();
    const plan = {
      owner: 'creds-1',
      next: () => new Date('2026-06-01T03:00:00Z'),
      act: (action: CredentialAction): Promise<ActionResult> => {
        acted.push(action);
        return Promise.resolve({
          serial: CAMERA,
          result: action === 'rotate' ? 'rotated' : 'verified',
          reason: null,
          rotatedAt: null,
          nextRotation: null,
        });
      },
    };
    fleet.planRotation(CAMERA, plan);
    return { fleet, views, link, sink, reports, acted };
  }

  it('publishes every device: configs and states retained, every config valid, one device per camera', async () => {
    await rig();
    await observer.until('both devices published', () =>
      [CAMERA, RECORDER].every((s) => observer.json(stateTopic(s))?.state === 'active'),
    );
    const held = await MqttObserver.retainedNow(broker.url);
    const validator = new DiscoveryValidator();
    for (const serial of [CAMERA, RECORDER]) {
      const topics = configsOf(held, serial);
      assert.equal(topics.length, 7, `${serial}: seven entities, no button without the opt-in`);
      const devices = new Set<string>();
      for (const topic of topics) {
        const checked = validator.check(topic, held.get(topic)!);
        devices.add(JSON.stringify((checked?.config.device as { identifiers: unknown }).identifiers));
      }
      assert.equal(devices.size, 1, 'every entity names the same device');
      assert.deepEqual(JSON.parse(held.get(stateTopic(serial))!), {
        state: 'active',
        problem: 'OFF',
        last_rotation: null,
        next_rotation: serial === CAMERA ? '2026-06-01T03:00:00.000Z' : null,
        vault: 'not_enrolled',
        findings: 'not_audited',
      });
    }
    const cameraConfig = JSON.parse(
      held.get(configsOf(held, CAMERA).find((t) => t.includes('_activation/'))!)!,
    ) as {
      device: Record<string, unknown>;
    };
    assert.deepEqual(cameraConfig.device.connections, [['mac', '44:19:b6:5e:07:01']]);
    assert.equal(cameraConfig.device.name, 'Porch');
    assert.equal(held.get('hik_guard/bridge/status'), 'online');
  });

  it('a factory reset turns the state sensor inactive and the problem sensor ON within one poll, and fires the event', async () => {
    const { fleet } = await rig();
    await observer.until('published', () => observer.json(stateTopic(CAMERA))?.state === 'active');
    await camera.factoryReset();
    await fleet.pollNow();
    // Published as the poll's answer arrives: only delivery is waited for, never another poll.
    await observer.until(
      'inactive on the broker',
      () => observer.json(stateTopic(CAMERA))?.problem === 'ON',
      2000,
    );
    assert.equal(observer.json(stateTopic(CAMERA))?.state, 'inactive');
    const eventTopic = `hik_guard/${serialSlug(CAMERA)}/event`;
    await observer.until('the alert event', () => observer.on(eventTopic).length > 0, 2000);
    const event = observer.on(eventTopic)[0]!;
    assert.equal(event.retain, false, 'events are not retained (Home Assistant drops replayed ones)');
    assert.equal((JSON.parse(event.payload) as { event_type: string }).event_type, 'inactive');
    assert.equal(observer.json(stateTopic(RECORDER))?.problem, 'OFF');
  });

  it("Home Assistant's birth message brings every config and state again, configs before states", async () => {
    await rig();
    await observer.until('published', () => observer.json(stateTopic(RECORDER))?.state === 'active');
    const mark = observer.messages.length;
    await observer.publish('homeassistant/status', 'online');
    const after = () => observer.messages.slice(mark);
    // Six configs and the state of each device, again.
    await observer.until('everything again', () =>
      [CAMERA, RECORDER].every(
        (s) =>
          after().filter((m) => m.topic.includes(`hik_guard_${serialSlug(s)}_`) || m.topic === stateTopic(s))
            .length >= 7,
      ),
    );
    const topics = after().map((m) => m.topic);
    const lastConfig = Math.max(...topics.map((t, i) => (t.endsWith('/config') ? i : -1)));
    const firstState = topics.findIndex((t) => t.endsWith('/state'));
    assert.ok(lastConfig < firstState, 'every config before the first state');
  });

  it('a device the fleet no longer lists loses its entities; the others keep theirs', async () => {
    const { views } = await rig();
    await observer.until('published', () => observer.json(stateTopic(RECORDER))?.state === 'active');
    views[1]!.close();
    await observer.until('the recorder removed', () => configsOf(observer.retained, RECORDER).length === 0);
    const held = await MqttObserver.retainedNow(broker.url);
    assert.deepEqual(configsOf(held, RECORDER), []);
    assert.equal(held.get(stateTopic(RECORDER)), undefined, 'its retained state is cleared too');
    assert.equal(configsOf(held, CAMERA).length, 7);
  });

  it('entities an earlier run published for a device no longer listed are removed after a restart', async () => {
    await rig();
    await observer.until('published', () => observer.json(stateTopic(RECORDER))?.state === 'active');
    await stops.pop()!();
    await rig({ watch: 'camera' });
    await observer.until('the ghost removed', () => configsOf(observer.retained, RECORDER).length === 0);
    assert.equal(configsOf(await MqttObserver.retainedNow(broker.url), CAMERA).length, 7);
  });

  it('Rotate now acts through fleet.act where allowed; elsewhere, retained or malformed presses are refused', async () => {
    const { reports, acted } = await rig({ allowed: (serial) => serial === CAMERA });
    await observer.until('the camera buttons', () => configsOf(observer.retained, CAMERA).length === 9);
    assert.equal(configsOf(observer.retained, RECORDER).length, 7, 'no buttons for a device nobody rotates');
    const cameraTopic = `hik_guard/${serialSlug(CAMERA)}`;
    await observer.publish(`${cameraTopic}/rotate/set`, 'PRESS');
    await observer.until('rotated', () => reports.some((r) => r.outcome === 'done'));
    assert.deepEqual(acted, ['rotate']);
    await observer.publish(`hik_guard/${serialSlug(RECORDER)}/rotate/set`, 'PRESS');
    await observer.publish(`${cameraTopic}/verify/set`, 'my-password-is-not-a-press');
    await observer.until('two refusals', () => reports.filter((r) => r.outcome === 'refused').length === 2);
    assert.deepEqual(
      reports.flatMap((r) => (r.outcome === 'refused' ? [r.reason] : [])),
      ['not_allowed', 'bad_payload'],
    );
    assert.deepEqual(acted, ['rotate'], 'nothing else reached the rotation owner');
  });

  it('a retained press (left on the broker) never acts, and withdrawn buttons are deleted', async () => {
    const cameraTopic = `hik_guard/${serialSlug(CAMERA)}`;
    await observer.publish(`${cameraTopic}/rotate/set`, 'PRESS', true);
    const { reports, acted } = await rig({ allowed: () => true });
    await observer.until('the refusal', () => reports.length > 0);
    assert.deepEqual(reports, [{ serial: CAMERA, action: 'rotate', outcome: 'refused', reason: 'retained' }]);
    assert.deepEqual(acted, []);
    await observer.publish(`${cameraTopic}/rotate/set`, '', true);
    await observer.until('buttons', () => configsOf(observer.retained, CAMERA).length === 9);
    await stops.pop()!();
    await rig({ allowed: () => false });
    await observer.until('buttons withdrawn', () => configsOf(observer.retained, CAMERA).length === 7);
  });
});
