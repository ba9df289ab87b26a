/**
 * `npm run bench:mqtt`: the fleet published to a real broker (Debian Mosquitto on loopback) as
 * Home Assistant devices, timed against the contract. Figures go to BENCHMARKS.md; nothing
 * here asserts. Run it inside `unshare --net` with only `lo` up. Goals (issue 18):
 *  - discovery within 10 s of a device becoming known (here: of the link starting with the fleet known);
 *  - a state change on the broker within one poll of the device changing (factory reset → the
 *    retained state `inactive` with the problem ON, measured from the start of the poll round);
 *  - after Home Assistant's birth message, every config and every state again within 30 s (the sink
 *    waits a random 1–5 s first, as Home Assistant asks);
 *  - offline within 10 s of a clean stop, and the last will on a crash (SIGKILL of the process).
 * Also: messages and bytes of one full publish, and what a quiet hour costs (nothing is re-sent).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Fleet } from '../lib/fleet/fleet';
import { serialSlug } from '../lib/homeassistant/device-entity';
import { LoginGuard } from '../lib/isapi/login-guard';
import { availabilityTopic, type DiscoveryTopics } from '../lib/mqtt/ha-discovery';
import { HomeAssistantMqttSink } from '../lib/mqtt/home-assistant-mqtt-sink';
import { MqttLink } from '../lib/mqtt/mqtt-link';
import { SimFleet, type SimFleetMember } from '../sim';
import { Mosquitto } from '../test/support/mosquitto';
import { MqttObserver } from '../test/support/mqtt-observer';

const DEVICES = Number(process.env.HIK_BENCH_MQTT_DEVICES ?? 50);
const RESETS = Number(process.env.HIK_BENCH_MQTT_RESETS ?? 20);
const TOPICS: DiscoveryTopics = {
  prefix: 'homeassistant',
  base: 'hik_guard',
  origin: { name: 'node-red-contrib-hik-guard', sw_version: 'bench', support_url: '' },
};
const AVAILABILITY = availabilityTopic(TOPICS);
const serialOf = (i: number): string => `DS-2CD2386G2-IU20240201AAWRM${String(i + 1).padStart(8, '0')}`;
const stateTopic = (serial: string): string => `hik_guard/${serialSlug(serial)}/state`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(name: string, values: number[]): string {
  const sorted = values.toSorted((a, b) => a - b);
  return (
    `${name}: n=${sorted.length}, p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`
  );
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function main(): Promise<void> {
  const broker = await Mosquitto.start();
  const observer = await MqttObserver.connect(broker.url);
  const members: SimFleetMember[] = Array.from({ length: DEVICES }, (_, i) => ({
    adminPassword: 'Bench-Mqtt-1!',
    serialNumber: serialOf(i),
    macAddress: `44:19:b6:5e:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    rebootMs: 5,
  }));
  const sims = await SimFleet.start({ devices: members, baseAddress: '127.0.4.1', port: 0 });
  const fleet = new Fleet({
    vault: null,
    guard: new LoginGuard(),
    pollConcurrency: 16,
    onError: () => undefined,
  });
  const view = fleet.view({ pollIntervalMs: 0 });
  for (const device of sims.devices) {
    if (device.host === null || device.port === null) throw new Error('a simulated device is not listening');
    view.watch(device.serialNumber, { poll: { host: device.host, port: device.port, protocol: 'http' } });
  }
  await fleet.pollNow();

  const link = new MqttLink({
    url: broker.url,
    clientId: 'bench',
    availabilityTopic: AVAILABILITY,
    subscriptions: HomeAssistantMqttSink.subscriptions(TOPICS),
  });
  const sink = new HomeAssistantMqttSink({
    link,
    fleet,
    topics: TOPICS,
    actionsAllowed: () => false,
    act: () => Promise.reject(new Error('no actions in the bench')),
  });

  // 1. Discovery: link start -> each device's state retained on the broker.
  const arrived = new Map<string, number>();
  const t0 = performance.now();
  const startCount = observer.messages.length;
  link.start();
  await until(() => {
    for (const d of sims.devices)
      if (!arrived.has(d.serialNumber) && observer.json(stateTopic(d.serialNumber))?.state === 'active')
        arrived.set(d.serialNumber, performance.now() - t0);
    return arrived.size === DEVICES;
  });
  const full = observer.messages.slice(startCount);
  const bytes = full.reduce((n, m) => n + m.topic.length + m.payload.length, 0);
  console.log(
    summary(`discovery of ${DEVICES} devices from link start (state on the broker)`, [...arrived.values()]),
  );
  console.log(`one full publish: ${full.length} messages, ${(bytes / 1024).toFixed(1)} KiB`);

  // 2. Reset -> inactive + problem ON on the broker, from the start of the poll round.
  const resets: number[] = [];
  for (let i = 0; i < Math.min(RESETS, DEVICES); i += 1) {
    const device = sims.devices[i];
    if (!device) break;
    await device.factoryReset();
    await new Promise((resolve) => setTimeout(resolve, 10)); // rebootMs: the device is back
    const start = performance.now();
    await fleet.pollNow();
    await until(() => observer.json(stateTopic(device.serialNumber))?.problem === 'ON');
    resets.push(performance.now() - start);
  }
  console.log(summary('factory reset -> inactive on the broker, from the poll round start', resets));

  // 3. Quiet: one more poll round with nothing changed sends nothing.
  const quietFrom = observer.messages.length;
  await fleet.pollNow();
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(`a poll round without changes: ${observer.messages.length - quietFrom} messages`);

  // 4. Birth message -> every config and state again.
  const birthFrom = observer.messages.length;
  const b0 = performance.now();
  await observer.publish('homeassistant/status', 'online');
  const wanted = DEVICES * 8; // six configs, state and attributes per device
  await until(() => observer.messages.length - birthFrom >= wanted);
  console.log(
    `birth message -> ${wanted} configs and states again: ${(performance.now() - b0).toFixed(0)} ms (random 1-5 s delay included)`,
  );

  // 5. Clean stop -> offline.
  const s0 = performance.now();
  sink.close();
  await link.stop(3000);
  await until(() => observer.retained.get(AVAILABILITY) === 'offline');
  console.log(`clean stop -> offline on the broker: ${(performance.now() - s0).toFixed(1)} ms`);

  // 6. Crash -> last will.
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('tsx/cjs'),
      join(__dirname, '..', 'test', 'lib', 'mqtt', 'support', 'link-process.ts'),
      broker.url,
      AVAILABILITY,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (c: Buffer) => c.toString().includes('connected') && resolve()),
  );
  await until(() => observer.retained.get(AVAILABILITY) === 'online');
  const k0 = performance.now();
  child.kill('SIGKILL');
  await until(() => observer.retained.get(AVAILABILITY) === 'offline');
  console.log(`SIGKILL -> last will offline on the broker: ${(performance.now() - k0).toFixed(1)} ms`);

  await fleet.stop();
  await observer.close();
  await sims.stop();
  await broker.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
