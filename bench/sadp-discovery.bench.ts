/**
 * `npm run bench:sadp`: SADP discovery at household-and-beyond scale, on loopback only (the
 * simulated fleet runs in a child process on 127.0.1.x; every socket names its interface).
 * Figures go to BENCHMARKS.md; nothing here asserts. Goals: 1,000 devices all found within the
 * 1.5 s window with at most 100 ms CPU (issue 15; 150 ms in issue 3) and 20 MB RSS growth in the
 * scanning process; a Hello turned into an `inactive` event within 50 ms (p99) of its arrival.
 *
 * Each round, in alternating order, measures three things with the same inquiries and window:
 *  - a scan by a new scanner (every reply parsed: what a first scan costs),
 *  - a scan by a scanner that has scanned before (what a discovery node's interval scan costs),
 *  - the floor: one socket that sends the same three group inquiries and only counts the
 *    replies, nothing else (the bare cost of receiving the same datagrams).
 * Env: HIK_BENCH_SADP_DEVICES (1000), HIK_BENCH_SADP_ROUNDS (8; round 0 warms up, not counted).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { DiscoveryService } from '../lib/sadp/discovery-service';
import { buildProbe, SADP_GROUP, SADP_PORT } from '../lib/sadp/sadp-probe';
import { SadpScanner } from '../lib/sadp/sadp-scanner';
import { SadpSocketSet } from '../lib/sadp/sadp-socket-set';
import type { SadpInterface } from '../lib/sadp/sadp-interfaces';
import { isolate } from './support/private-network';

const LOOPBACK: SadpInterface = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' };
const DEVICES = Number(process.env.HIK_BENCH_SADP_DEVICES ?? 1000);
const ROUNDS = Number(process.env.HIK_BENCH_SADP_ROUNDS ?? 8);
const WINDOW_MS = 1500;
const SENDS = 3;
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

interface Measured {
  cpuMs: number;
  rssGrowthMb: number;
  found: number;
  datagrams: number;
  note: string;
}

/** CPU and RSS growth of this process while `work` runs (after a full GC). */
async function measured(work: () => Promise<Omit<Measured, 'cpuMs' | 'rssGrowthMb'>>): Promise<Measured> {
  global.gc?.();
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return {
    ...result,
    cpuMs: (used.user + used.system) / 1000,
    rssGrowthMb: (process.memoryUsage().rss - rss) / 1024 / 1024,
  };
}

async function scanWith(scanner: SadpScanner): Promise<Measured> {
  return measured(async () => {
    const { devices, stats } = await scanner.scan();
    const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    return {
      found: devices.length,
      datagrams: stats.datagrams,
      note: `repeats skipped ${stats.repeats}, dropped ${dropped}`,
    };
  });
}

/** The floor: the same three group inquiries over the same window, replies only counted. */
async function receiveOnly(): Promise<Measured> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind({ address: LOOPBACK.address, port: 0 }, resolve));
  socket.setMulticastInterface(LOOPBACK.address);
  socket.setRecvBufferSize(4 * 1024 * 1024);
  try {
    return await measured(async () => {
      let datagrams = 0;
      socket.on('message', () => (datagrams += 1));
      const step = Math.floor(WINDOW_MS / (SENDS + 1));
      const timers = Array.from({ length: SENDS }, (_, i) =>
        setTimeout(() => socket.send(buildProbe().datagram, SADP_PORT, SADP_GROUP), i * step),
      );
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      timers.forEach(clearTimeout);
      return { found: 0, datagrams, note: '' };
    });
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

type Kind = 'new scanner' | 'rescan' | 'receive only';

function line(kind: Kind, m: Measured): string {
  const found = kind === 'receive only' ? '' : `${m.found}/${DEVICES} found, `;
  return (
    `  ${kind}: ${found}CPU ${m.cpuMs.toFixed(0)} ms, RSS ${m.rssGrowthMb >= 0 ? '+' : ''}${m.rssGrowthMb.toFixed(1)} MB, ` +
    `datagrams ${m.datagrams}${m.note ? `, ${m.note}` : ''}`
  );
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

async function scans(sockets: SadpSocketSet): Promise<void> {
  const kept = new SadpScanner({ interfaces: [LOOPBACK], sockets, windowMs: WINDOW_MS });
  const results: Record<Kind, Measured[]> = { 'new scanner': [], rescan: [], 'receive only': [] };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      console.log(`round ${round}${round === 0 ? ' (warm-up, not counted)' : ''}:`);
      const kinds: Kind[] = ['new scanner', 'rescan', 'receive only'];
      if (round % 2 === 1) kinds.reverse();
      for (const kind of kinds) {
        let m: Measured;
        if (kind === 'receive only') m = await receiveOnly();
        else if (kind === 'rescan') m = await scanWith(kept);
        else {
          const fresh = new SadpScanner({ interfaces: [LOOPBACK], sockets, windowMs: WINDOW_MS });
          m = await scanWith(fresh);
          await fresh.close();
        }
        console.log(line(kind, m));
        if (round > 0) results[kind].push(m);
      }
    }
  } finally {
    await kept.close();
  }
  const floor = median(results['receive only'].map((m) => m.cpuMs));
  console.log(`medians over ${ROUNDS} rounds:`);
  for (const kind of ['new scanner', 'rescan', 'receive only'] as const) {
    const cpu = median(results[kind].map((m) => m.cpuMs));
    const cpus = results[kind].map((m) => m.cpuMs.toFixed(0)).join(', ');
    const found = kind === 'receive only' ? '' : `found ${results[kind].map((m) => m.found).join('/')}; `;
    console.log(
      `  ${kind}: CPU ${cpu.toFixed(0)} ms (${(cpu / floor).toFixed(2)}× the floor; ${cpus}), ${found}` +
        `RSS growth ${median(results[kind].map((m) => m.rssGrowthMb)).toFixed(1)} MB`,
    );
  }
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
    await scans(sockets);
    await passiveLatency(sockets, fleet);
  } finally {
    fleet.child.stdin.end();
    await new Promise((resolve) => fleet.child.once('exit', resolve));
  }
}

// Runs itself again in a private network namespace (only lo) unless already in one.
const isolation = isolate(__filename, process.argv.slice(2));
if (isolation.inside) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  void isolation.exitCode.then((code) => (process.exitCode = code));
}
