/**
 * hik-mqtt in a real Node-RED (the test helper) against a real broker (Mosquitto on loopback, with
 * a password file): a hik-reset that selects the broker makes the runtime's devices Home
 * Assistant devices; a factory reset reaches the broker within one poll; Rotate now, when the
 * broker configuration allows it, rotates the camera through its hik-credentials node (vault
 * first), and is refused otherwise; stopping Node-RED leaves `offline`; a device taken out of the
 * flows loses its entities; the broker password is never in the log.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFlows } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import { serialSlug } from '../../lib/homeassistant/device-entity';
import { sharedVaults } from '../../lib/runtime';
import hikCredentialsNode = require('../../nodes/hik-credentials/hik-credentials');
import hikDevice = require('../../nodes/hik-device/hik-device');
import hikMqttNode = require('../../nodes/hik-mqtt/hik-mqtt');
import hikResetNode = require('../../nodes/hik-reset/hik-reset');
import { SimFleet, type SimDevice } from '../../sim';
import { waitFor } from '../lib/homeassistant/support';
import { DiscoveryValidator } from '../support/ha-discovery-validator';
import { Mosquitto, requireMosquitto } from '../support/mosquitto';
import { MqttObserver } from '../support/mqtt-observer';
import { withCatalog } from '../support/node-catalog';
import { helper } from '../support/node-red';

const hikMqtt = withCatalog(hikMqttNode, 'hik-mqtt');
const hikReset = withCatalog(hikResetNode, 'hik-reset');
const hikCredentials = withCatalog(hikCredentialsNode, 'hik-credentials');

const ADMIN = 'Mqtt-Node-Admin7!';
const SECRET = 'hik-mqtt-node-secret';
const BROKER_USER = 'nodered';
const BROKER_PASSWORD = 'Broker-Canary-Pw-4e2a91';
const CAMERA = 'DS-2CD2043G2-I20230101AAWRJ55500071';
const SLUG = serialSlug(CAMERA);
const STATE = `hik_guard/${SLUG}/state`;
const AVAILABILITY = 'hik_guard/bridge/status';

describe('hik-mqtt node (real Node-RED, real broker)', function () {
  this.timeout(20_000);
  const originalSettings = (helper as unknown as { _settings: unknown })._settings;
  let userDir!: string;
  let broker!: Mosquitto;
  let sims!: SimFleet;
  let camera!: SimDevice;
  let observer!: MqttObserver;
  const teardown: (() => Promise<void>)[] = [];
  const auth = { username: BROKER_USER, password: BROKER_PASSWORD };

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async function () {
    requireMosquitto(this);
    userDir = await mkdtemp(join(tmpdir(), 'hik-mqtt-node-'));
    helper.settings({ userDir, credentialSecret: SECRET });
    teardown.push(() => rm(userDir, { recursive: true, force: true }));
    broker = await Mosquitto.start({ users: { [BROKER_USER]: BROKER_PASSWORD } });
    teardown.push(() => broker.stop());
    observer = await MqttObserver.connect(broker.url, auth);
    teardown.push(() => observer.close());
    sims = await SimFleet.start({
      devices: [{ adminPassword: ADMIN, serialNumber: CAMERA, macAddress: '44:19:b6:5e:07:71' }],
      baseAddress: '127.0.0.77',
      port: 0,
      sadp: { announceOnStart: false },
    });
    teardown.push(() => sims.stop());
    camera = sims.devices[0]!;
    camera.profile.rebootMs = 20;
  });
  afterEach(async () => {
    await helper.unload();
    (helper as unknown as { _settings: unknown })._settings = originalSettings;
    await sharedVaults().closeAll();
    for (const stop of teardown.splice(0).reverse()) await stop();
  });

  function flow(mqtt: Record<string, unknown> = {}, options: { watch?: boolean } = {}): TestFlows {
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
        allowHttpPasswordChange: true,
        version: 2,
      },
      {
        id: 'mq',
        type: 'hik-mqtt',
        name: 'broker',
        url: broker.url,
        removeAfterSeconds: 1,
        version: 1,
        ...mqtt,
      },
      {
        id: 'creds',
        type: 'hik-credentials',
        devices: options.watch === false ? [] : [{ device: 'dev' }],
        scheduleType: 'manual',
        settleSeconds: 0.01,
        jitterMinutes: 0,
        concurrency: 1,
        includePassword: false,
        version: 1,
        wires: [['results']],
      },
      {
        id: 'reset',
        type: 'hik-reset',
        devices: options.watch === false ? [] : [{ device: 'dev' }],
        listed: '',
        server: '',
        mqtt: 'mq',
        pollSeconds: 0,
        passive: false,
        interfaces: '',
        offlineAfter: 3,
        version: 2,
        wires: [['changes'], []],
      },
      { id: 'results', type: 'helper' },
      { id: 'changes', type: 'helper' },
    ] as TestFlows;
  }

  async function load(mqtt: Record<string, unknown> = {}, options: { watch?: boolean } = {}): Promise<void> {
    await helper.load([hikDevice, hikMqtt, hikCredentials, hikReset], flow(mqtt, options), {
      dev: { password: ADMIN },
      mq: { user: BROKER_USER, password: BROKER_PASSWORD },
    });
  }

  const configs = (held: Map<string, string>): string[] =>
    [...held.keys()].filter((t) => t.startsWith('homeassistant/') && t.includes(`hik_guard_${SLUG}_`));

  it('publishes the camera as a valid, retained Home Assistant device; a factory reset reaches it within one poll', async () => {
    await load();
    helper.getNode('reset').receive({ topic: 'poll' });
    await observer.until('active and enrolled', () => {
      const state = observer.json(STATE);
      return state?.state === 'active' && state.vault === 'ok';
    });
    const held = await MqttObserver.retainedNow(broker.url, auth);
    assert.equal(held.get(AVAILABILITY), 'online');
    const validator = new DiscoveryValidator();
    const topics = configs(held);
    assert.equal(topics.length, 7, 'no buttons: they are off unless allowed');
    for (const topic of topics) validator.check(topic, held.get(topic)!);

    await camera.factoryReset();
    helper.getNode('reset').receive({ topic: 'poll' });
    await observer.until('inactive, problem on', () => {
      const state = observer.json(STATE);
      return state?.state === 'inactive' && state.problem === 'ON';
    });
    assert.ok(
      !JSON.stringify(helper.log().args).includes(BROKER_PASSWORD),
      'the broker password is not logged',
    );
  });

  it('Rotate now from Home Assistant rotates the camera through hik-credentials when allowed', async () => {
    await load({ allowActions: true });
    await observer.until(
      'the buttons, enrolled',
      () => configs(observer.retained).length === 9 && observer.json(STATE)?.vault === 'ok',
    );
    const button = JSON.parse(
      observer.retained.get(`homeassistant/button/hik_guard_${SLUG}_rotate/config`)!,
    ) as {
      command_topic: string;
      payload_press: string;
    };
    const results: { topic?: string; payload?: { result?: string } }[] = [];
    helper.getNode('results').on('input', (msg: unknown) => results.push(msg as (typeof results)[number]));
    await observer.publish(button.command_topic, button.payload_press);
    await waitFor('rotated', () => results.some((m) => m.payload?.result === 'rotated'), 10_000);
    assert.notEqual(camera.state.admin.password, ADMIN, 'the camera has a new password');
    await observer.until(
      'last rotation on the broker',
      () => typeof observer.json(STATE)?.last_rotation === 'string',
    );
    assert.equal(camera.counters.failedLogins, 0);
    const seen = JSON.stringify([observer.messages, helper.log().args]);
    for (const secret of [ADMIN, camera.state.admin.password ?? '', BROKER_PASSWORD])
      assert.ok(!seen.includes(secret), 'no password on the broker or in the log');
  });

  it('Rotate now is refused when the broker configuration does not allow it', async () => {
    await load({ allowActions: false });
    await observer.until('enrolled', () => observer.json(STATE)?.vault === 'ok');
    const before = camera.counters.authenticatedRequests;
    const warned = new Promise<void>((resolve) => {
      (helper.getNode('mq') as unknown as NodeJS.EventEmitter).on('call:warn', () => resolve());
    });
    await observer.publish(`hik_guard/${SLUG}/rotate/set`, 'PRESS');
    await warned;
    assert.equal(camera.state.admin.password, ADMIN, 'nothing changed on the camera');
    assert.equal(camera.counters.authenticatedRequests, before, 'nothing was even asked of it');
    assert.match(JSON.stringify(helper.log().args), /buttons are not allowed/);
  });

  it('stopping Node-RED leaves availability offline; a device taken out of the flows loses its entities', async () => {
    await load();
    // Enrolled first: a result the hik-credentials node emits after its close would plan the
    // device's rotation again (reported to its owner), and a planned device stays listed.
    await observer.until(
      'published and enrolled',
      () => configs(observer.retained).length === 7 && observer.json(STATE)?.vault === 'ok',
    );
    await helper.unload();
    assert.equal((await MqttObserver.retainedNow(broker.url, auth)).get(AVAILABILITY), 'offline');
    await load({}, { watch: false });
    await observer.until('online again', () => observer.retained.get(AVAILABILITY) === 'online');
    await observer.until('entities removed', () => configs(observer.retained).length === 0, 10_000);
    const held = await MqttObserver.retainedNow(broker.url, auth);
    assert.deepEqual(configs(held), []);
    assert.equal(held.get(STATE), undefined);
  });

  it('deleting the hik-mqtt configuration deletes the entities it made, then says offline', async () => {
    await load();
    await observer.until('published', () => configs(observer.retained).length === 7);
    // What a deploy that deleted the node does: close it with removed = true.
    await (helper.getNode('mq') as unknown as { close(removed: boolean): Promise<void> }).close(true);
    const held = await MqttObserver.retainedNow(broker.url, auth);
    assert.deepEqual(configs(held), []);
    assert.equal(held.get(STATE), undefined);
    assert.equal(held.get(AVAILABILITY), 'offline');
  });

  it('a broker that refuses the login is tried once per deploy, shown on the node, never logged with the password', async () => {
    await helper.load([hikDevice, hikMqtt, hikCredentials, hikReset], flow(), {
      dev: { password: ADMIN },
      mq: { user: BROKER_USER, password: 'Wrong-Broker-Canary-Pw' },
    });
    const status = Reflect.get(helper.getNode('reset'), 'status') as SinonSpy;
    await waitFor('refused', () =>
      status.calledWithMatch({ fill: 'red', text: 'MQTT broker refused the login' }),
    );
    await waitFor('the broker to log the attempt', () => broker.connections() >= 2);
    assert.equal(broker.connections(), 2, 'the observer and one attempt');
    assert.ok(!JSON.stringify(helper.log().args).includes('Wrong-Broker-Canary-Pw'));
  });
});
