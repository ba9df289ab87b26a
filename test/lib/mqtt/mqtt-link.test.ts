/**
 * The MQTT link against a real broker (Debian Mosquitto on loopback): retained `online` once
 * connected and retained `offline` on a clean stop, the last will on a crash, a refused login
 * tried exactly once, a lost broker reconnected with back-off, and the password nowhere but in the
 * CONNECT packet.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MqttAuthError } from '../../../lib/errors';
import { MqttLink, parseBrokerUrl, type MqttLinkStatus } from '../../../lib/mqtt/mqtt-link';
import { waitFor } from '../homeassistant/support';
import { Mosquitto, requireMosquitto } from '../../support/mosquitto';
import { MqttObserver } from '../../support/mqtt-observer';

const AVAILABILITY = 'hik_guard/bridge/status';
const PASSWORD = 'Broker-Canary-Pw-7c41d9';

describe('MQTT link (real broker)', function () {
  this.timeout(20_000);
  let broker: Mosquitto | undefined;
  const links: MqttLink[] = [];

  beforeEach(function () {
    requireMosquitto(this);
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.stop(1000);
    await broker?.stop();
    broker = undefined;
  });

  function link(url: string, extra: Partial<ConstructorParameters<typeof MqttLink>[0]> = {}): MqttLink {
    const made = new MqttLink({
      url,
      clientId: `test_${links.length}_${process.pid}`,
      availabilityTopic: AVAILABILITY,
      subscriptions: [],
      backoff: { initialMs: 50, maxMs: 200 },
      ...extra,
    });
    links.push(made);
    return made;
  }

  it('says online (retained) once connected, and offline (retained) on a clean stop within its bound', async () => {
    broker = await Mosquitto.start();
    const observer = await MqttObserver.connect(broker.url);
    try {
      const l = link(broker.url);
      const statuses: MqttLinkStatus['kind'][] = [];
      l.onStatus((s) => statuses.push(s.kind));
      l.start();
      await waitFor('online', () => observer.retained.get(AVAILABILITY) === 'online');
      assert.equal(l.connected, true);
      const started = Date.now();
      await l.stop(2000);
      assert.ok(Date.now() - started < 2500, 'stop is bounded');
      assert.equal((await MqttObserver.retainedNow(broker.url)).get(AVAILABILITY), 'offline');
      assert.deepEqual(statuses, ['connecting', 'connected', 'closed']);
    } finally {
      await observer.close();
    }
  });

  it('a crashed process leaves offline behind: the last will is retained on the availability topic', async function () {
    this.timeout(40_000);
    broker = await Mosquitto.start();
    const url = broker.url;
    const script = join(__dirname, 'support', 'link-process.ts');
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, url, AVAILABILITY], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        // Bounded, not a timing goal: tsx compiles the child's TypeScript first, slow on a busy machine.
        const timer = setTimeout(() => reject(new Error(`the link process did not connect: ${out}`)), 25_000);
        const onData = (chunk: Buffer): void => {
          out += chunk.toString();
          if (out.includes('connected')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      assert.equal((await MqttObserver.retainedNow(url)).get(AVAILABILITY), 'online');
      const observer = await MqttObserver.connect(url);
      try {
        child.kill('SIGKILL');
        await waitFor('the will', () =>
          observer.on(AVAILABILITY).some((m) => m.payload === 'offline' && m.retain),
        );
      } finally {
        await observer.close();
      }
      assert.equal((await MqttObserver.retainedNow(url)).get(AVAILABILITY), 'offline');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a refused login is tried once and never again (the broker counts each as a failed login)', async () => {
    broker = await Mosquitto.start({ users: { nodered: PASSWORD } });
    const l = link(broker.url, { username: 'nodered', password: 'Wrong-Canary-Pw-11aa' });
    l.start();
    await waitFor('refused', () => l.status.kind === 'refused');
    const status = l.status as Extract<MqttLinkStatus, { kind: 'refused' }>;
    assert.ok(status.error instanceof MqttAuthError, status.error.message);
    assert.equal(status.error.code, 'HIK_ERR_MQTT_AUTH');
    assert.equal(l.attempts, 1);
    assert.equal(l.reconnectScheduled, false, 'nothing is scheduled: it stays refused');
    assert.equal(broker.connections(), 1);
    assert.ok(!status.error.message.includes('Wrong-Canary'), 'the error never holds the password');
    assert.ok(!broker.output().includes('Wrong-Canary'), 'the broker log never holds it either');
  });

  it('the right login connects; a lost broker is reconnected with back-off and says online again', async () => {
    broker = await Mosquitto.start({ users: { nodered: PASSWORD } });
    const port = broker.port;
    const l = link(broker.url, { username: 'nodered', password: PASSWORD });
    let connections = 0;
    l.onConnected(() => (connections += 1));
    l.start();
    await waitFor('connected', () => connections === 1);
    await broker.stop();
    await waitFor('retrying', () => l.status.kind === 'connecting' && l.reconnectScheduled);
    const lost = l.status as Extract<MqttLinkStatus, { kind: 'connecting' }>;
    assert.match(lost.lastError?.code ?? '', /^HIK_ERR_MQTT_UNREACHABLE$/);
    broker = await Mosquitto.start({ users: { nodered: PASSWORD }, port });
    await waitFor('reconnected', () => connections === 2, 10_000);
    assert.equal(
      (await MqttObserver.retainedNow(broker.url, { username: 'nodered', password: PASSWORD })).get(
        AVAILABILITY,
      ),
      'online',
    );
    assert.ok(!broker.output().includes(PASSWORD));
  });

  it('refuses a broker URL that carries a password, or is not mqtt(s)', () => {
    assert.throws(
      () => parseBrokerUrl(`mqtt://user:${PASSWORD}@127.0.0.1:1883`),
      (err: Error) => !err.message.includes(PASSWORD),
    );
    assert.throws(() => parseBrokerUrl('http://127.0.0.1:1883'), /mqtt:\/\/ or mqtts:\/\//);
    assert.throws(() => parseBrokerUrl('mqtt://127.0.0.1:1883/topic'), /host and port only/);
    assert.equal(parseBrokerUrl('mqtts://broker.local:8883').port, '8883');
  });
});
