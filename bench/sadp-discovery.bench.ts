/**
 * `npm run bench:sadp`: SADP discovery at household-and-beyond scale, on loopback only (the
 * simulated fleet runs in a child process on 127.0.1.x; every socket names its interface).
 * Figures go to BENCHMARKS.md; nothing here asserts. Goals (issue 3): 1,000 devices all found
 * within the 1.5 s window with ≤ 150 ms CPU and ≤ 20 MB RSS growth in the scanning process;
 * a Hello turned into an `inactive` event within 50 ms (p99) of its arrival.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { DiscoveryService } from '../lib/sadp/discovery-service';
import { SadpScanner } from '../lib/sadp/sadp-scanner';
import { SadpSocketSet } from '../lib/sadp/sadp-socket-set';
import type { SadpInterface } from '../lib/sadp/sadp-interfaces';

const LOOPBACK: SadpInterface = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' };
const DEVICES = Number(process.env.HIK_BENCH_SADP_DEVICES ?? 1000);
const RESETS = 200;

function startFleet(): Promise<{
  child: ChildProcessByStdio<Writable, Readable, null>;
  waitFor: (line: string) => Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('tsx/cjs'),
      join(__dirname, 'support', 'sadp-fleet-process.ts'),
      String(DEVICES),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting = new Map<string, () => void>();
  createInterface({ input: child.stdout }).on('line', (line) => waiting.get(line.trim())?.());
  const waitFor = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting.set(line, resolve);
      child.once('exit', (code) => reject(new Error(`fleet exited (${code})`)));
    });
  return waitFor('ready').then(() => ({ child, waitFor }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function scanOnce(sockets: SadpSocketSet, round: number): Promise<void> {
  const scanner = new SadpScanner({ interfaces: [LOOPBACK], sockets, windowMs: 1500 });
  global.gc?.();
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { devices, stats } = await scanner.scan();
  const cpuUsed = process.cpuUsage(cpu);
  const rssGrowth = process.memoryUsage().rss - rss;
  const window = performance.now() - started;
  await scanner.close();
  console.log(
    `scan ${round}: ${devices.length}/${DEVICES} found in the ${Math.round(window)} ms window, ` +
      `CPU ${((cpuUsed.user + cpuUsed.system) / 1000).toFixed(0)} ms (user ${(cpuUsed.user / 1000).toFixed(0)}), ` +
      `RSS +${(rssGrowth / 1024 / 1024).toFixed(1)} MB, datagrams ${stats.datagrams}, repeats skipped ${stats.repeats}, ` +
      `dropped ${Object.values(stats.dropped).reduce((a, b) => a + b, 0)}`,
  );
}

async function passiveLatency(
  sockets: SadpSocketSet,
  fleet: { child: ChildProcessByStdio<Writable, Readable, null>; waitFor: (line: string) => Promise<void> },
): Promise<void> {
  const latencies: number[] = [];
  const service = new DiscoveryService({
    interfaces: [LOOPBACK],
    passive: true,
    sockets,
    onEvents: (events, _cause, sighting) => {
      const now = performance.now();
      if (sighting && events.some((e) => e.topic === 'inactive')) latencies.push(now - sighting.receivedAt);
    },
    onError: (err) => console.error(err.message),
  });
  await service.start();
  await service.scan(); // the fleet view knows every device as activated first
  fleet.child.stdin.write(`reset ${RESETS}\n`);
  await fleet.waitFor('reset-done');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await service.stop();
  latencies.sort((a, b) => a - b);
  console.log(
    `passive Hello -> inactive event: ${latencies.length}/${RESETS} events, p50 ${percentile(latencies, 50).toFixed(3)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(3)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(3)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(`SADP discovery, ${DEVICES} simulated devices on loopback, Node ${process.version}`);
  const fleet = await startFleet();
  const sockets = new SadpSocketSet();
  try {
    // Round 0 warms up the simulator's process (and this one's JIT); rounds 1-3 are the figures.
    for (let round = 0; round <= 3; round++) await scanOnce(sockets, round);
    await passiveLatency(sockets, fleet);
  } finally {
    fleet.child.stdin.end();
    await new Promise((resolve) => fleet.child.once('exit', resolve));
  }
}

void main();
