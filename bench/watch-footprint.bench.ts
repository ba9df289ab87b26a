/**
 * `npm run bench:watch`: what watching 1,000 devices costs, measured from outside. The simulated
 * fleet (1,000 cameras on 127.0.1.x, SADP and ISAPI) runs in one process; in another, the built
 * CLI on plain node, as a user runs it:
 *
 *   hik-guard watch --interface 127.0.0.1 --interval 60 --json --target 127.0.1.1 … (1,000 targets)
 *
 * (every interval: GET /SDK/activateStatus on each device found, and a unicast SADP scan of the
 * targets whose device did not answer its last poll plus a rolling tenth of the others). Its CPU
 * (every thread) and resident memory come from /proc, over a window of whole poll rounds that
 * starts one and a half intervals after the start: after the first scan found the devices and
 * the first poll round answered, so the window holds what runs every minute from then on. In the same
 * run, against the same fleet, two floors on plain node (bench/support/bare-watch-loop.ts): a
 * loop that puts the same datagrams and requests on the wire and does nothing else, and a process
 * that only holds 1,000 idle connections. Figures go to BENCHMARKS.md; nothing here asserts.
 * Goal (issue 15): at most 0.5 % of one core and 60 MB resident for the watch.
 *
 * Env: HIK_BENCH_WATCH_DEVICES (1000), HIK_BENCH_WATCH_INTERVAL_S (60), HIK_BENCH_WATCH_ROUNDS
 * (rounds per window, 3), HIK_BENCH_WATCH_REPEATS (1; the order of the processes alternates),
 * HIK_BENCH_WATCH_PROFILE=<dir>: the watch runs with --cpu-prof into <dir> and writes a heap
 * snapshot there at the end of its window (its figures then include the profiler's cost),
 * HIK_BENCH_WATCH_NODE_FLAGS: more node flags for the watch (e.g. `--trace-gc`; its other output
 * lines go to HIK_BENCH_WATCH_LOG when set), HIK_BENCH_WATCH_KINDS (default `watch,loop,idle`),
 * HIK_BENCH_PACKAGE_ROOT (another built tree; see bench/support/package-snapshot.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { reaped } from './support/child-reaper';
import { snapshotPackage } from './support/package-snapshot';
import { spawnPlainNode } from './support/plain-node';
import { isolate } from './support/private-network';
import { median, readProcCpu, readProcMemory } from './support/proc-stats';

const DEVICES = Number(process.env.HIK_BENCH_WATCH_DEVICES ?? 1000);
const INTERVAL_MS = Number(process.env.HIK_BENCH_WATCH_INTERVAL_S ?? 60) * 1000;
const ROUNDS = Number(process.env.HIK_BENCH_WATCH_ROUNDS ?? 3);
const REPEATS = Number(process.env.HIK_BENCH_WATCH_REPEATS ?? 1);
const KINDS = (process.env.HIK_BENCH_WATCH_KINDS ?? 'watch,loop,idle').split(',');
const PROFILE_DIR = process.env.HIK_BENCH_WATCH_PROFILE;
const NODE_FLAGS = (process.env.HIK_BENCH_WATCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const LOG = process.env.HIK_BENCH_WATCH_LOG;
const IDLE_WINDOW_MS = 60_000;
/** The first scan and the first poll round are done (the watch's and the loop's alike). */
const WARM_UP_MS = INTERVAL_MS * 1.5;

type Kind = 'watch' | 'loop' | 'idle';

interface Figures {
  kind: Kind;
  cpuMs: number;
  wallMs: number;
  rssMedianMb: number;
  rssMaxMb: number;
  /** RssAnon (the process's own pages, the node binary's left out), median in the window. */
  anonMedianMb: number;
  /** VmHWM at the end of the window: the peak of the whole life, start-up included. */
  peakMb: number;
  note: string;
}

interface Lines {
  /** Resolves with the first line that `test` accepts. */
  next(test: (line: string) => boolean, what: string, timeoutMs: number): Promise<string>;
  onLine(listener: (line: string) => void): void;
}

function lines(child: ChildProcess & { stdout: NodeJS.ReadableStream }): Lines {
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    for (const listener of listeners) listener(line);
  });
  return {
    onLine: (listener) => listeners.add(listener),
    next: (test, what, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        const listener = (line: string): void => {
          if (!test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        child.once('exit', (code) => reject(new Error(`process exited (${code}) waiting for ${what}`)));
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU and memory of `pid` from `startAt` (epoch ms) for `windowMs`, RSS sampled every second. */
async function measureWindow(
  pid: number,
  startAt: number,
  windowMs: number,
): Promise<Omit<Figures, 'kind' | 'note'>> {
  await sleep(Math.max(0, startAt - Date.now()));
  const started = performance.now();
  const cpu = readProcCpu(pid).threadsMs;
  const samples: number[] = [];
  const anon: number[] = [];
  const sample = (): void => {
    const memory = readProcMemory(pid);
    samples.push(memory.rssMb);
    anon.push(memory.anonMb);
  };
  sample();
  while (performance.now() - started < windowMs) {
    await sleep(Math.min(1_000, windowMs - (performance.now() - started)));
    sample();
  }
  const cpuMs = readProcCpu(pid).threadsMs - cpu;
  const wallMs = performance.now() - started;
  return {
    cpuMs,
    wallMs,
    rssMedianMb: median(samples),
    rssMaxMb: Math.max(...samples),
    anonMedianMb: median(anon),
    peakMb: readProcMemory(pid).peakMb,
  };
}

async function stopChild(child: ChildProcess, how: 'SIGINT' | 'stdin'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (how === 'stdin') child.stdin?.end();
  else child.kill('SIGINT');
  const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(force);
}

interface Fleet {
  child: ChildProcess;
  targets: { host: string; port: number }[];
}

async function startFleet(): Promise<Fleet> {
  const child = reaped(
    spawn(
      process.execPath,
      [
        '--require',
        require.resolve('tsx/cjs'),
        join(__dirname, 'support', 'sadp-fleet-process.ts'),
        String(DEVICES),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const out = lines(child);
  await out.next((l) => l === 'ready', 'the fleet', 120_000);
  child.stdin.write('ports\n');
  const ports = await out.next((l) => l.startsWith('ports '), 'the fleet ports', 10_000);
  const targets = ports
    .slice('ports '.length)
    .split(',')
    .map((entry) => {
      const [host = '', port = ''] = entry.split(':');
      return { host, port: Number(port) };
    });
  return { child, targets };
}

async function runWatch(pkg: string, fleet: Fleet, work: string): Promise<Figures> {
  const profile = PROFILE_DIR
    ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--heapsnapshot-signal=SIGUSR2']
    : [];
  const spawnedAt = Date.now();
  const child = reaped(
    spawn(
      process.execPath,
      [
        ...profile,
        ...NODE_FLAGS,
        join(pkg, 'dist', 'cli', 'hik-guard.js'),
        'watch',
        '--interface',
        '127.0.0.1',
        '--interval',
        String(INTERVAL_MS / 1000),
        '--json',
        ...fleet.targets.flatMap((t) => ['--target', t.host]),
      ],
      { cwd: PROFILE_DIR ?? work, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  let problems = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString().replace(/^Watching .*\n/m, '');
    problems += text;
  });
  const found = new Set<string>();
  let windowOpen = false;
  let changes = 0;
  const out = lines(child);
  out.onLine((line) => {
    if (!line.startsWith('{')) {
      if (LOG) appendFileSync(LOG, `${line}\n`);
      return;
    }
    const change = JSON.parse(line) as { serial: string; to: string; kind: string };
    if (windowOpen) changes += 1;
    if (change.kind === 'transition' && change.to === 'active') found.add(change.serial);
  });
  try {
    if (child.pid === undefined) throw new Error('the watch has no pid');
    // Rounds fall at start + k × interval; the window starts after the first poll round.
    const startAt = spawnedAt + WARM_UP_MS;
    while (found.size < DEVICES && Date.now() < startAt) await sleep(100);
    const foundBefore = found.size;
    windowOpen = true;
    const figures = await measureWindow(child.pid, startAt, ROUNDS * INTERVAL_MS);
    windowOpen = false;
    if (PROFILE_DIR) await heapSnapshot(child, PROFILE_DIR);
    const note =
      `${foundBefore}/${DEVICES} active before the window, ${found.size} at its end; ` +
      `${changes} changes printed in the window${problems.trim() ? `; stderr: ${problems.trim().slice(0, 300)}` : ''}`;
    return { kind: 'watch', ...figures, note };
  } finally {
    await stopChild(child, 'SIGINT');
  }
}

async function heapSnapshot(child: ChildProcess, dir: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const made = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // Node writes the snapshot synchronously: once the process answers /proc again it is done.
    if (made.length > 0 && child.pid !== undefined) {
      await sleep(2_000);
      return;
    }
  }
}

async function runFloor(kind: 'loop' | 'idle', fleet: Fleet, work: string): Promise<Figures> {
  const file = join(work, 'targets.txt');
  writeFileSync(file, fleet.targets.map((t) => `${t.host} ${t.port}`).join('\n'));
  const args = kind === 'loop' ? ['loop', file, String(INTERVAL_MS)] : ['idle', file];
  const child = reaped(spawnPlainNode(join(__dirname, 'support', 'bare-watch-loop.ts'), args));
  const reports: string[] = [];
  const out = lines(child);
  out.onLine((line) => {
    if (line !== 'ready') reports.push(line);
  });
  try {
    await out.next((l) => l === 'ready', `the ${kind} floor`, 120_000);
    if (child.pid === undefined) throw new Error('the floor has no pid');
    const readyAt = Date.now();
    const figures =
      kind === 'loop'
        ? await measureWindow(child.pid, readyAt + WARM_UP_MS, ROUNDS * INTERVAL_MS)
        : await measureWindow(child.pid, readyAt + 1_000, IDLE_WINDOW_MS);
    return { kind, ...figures, note: reports.join('; ') };
  } finally {
    await stopChild(child, 'stdin');
  }
}

function report(all: Figures[]): void {
  const pct = (f: Figures): number => (f.cpuMs / f.wallMs) * 100;
  const of = (kind: Kind): Figures[] => all.filter((f) => f.kind === kind);
  console.log(
    '\n| process | CPU, % of one core | CPU per poll round, ms | RSS in window, median / max MB | own (RssAnon) median, MB | peak RSS (VmHWM), MB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const kind of ['watch', 'loop', 'idle'] as const) {
    const figures = of(kind);
    if (figures.length === 0) continue;
    const perRound = kind === 'idle' ? '—' : median(figures.map((f) => f.cpuMs / ROUNDS)).toFixed(0);
    console.log(
      `| ${kind} | ${median(figures.map(pct)).toFixed(3)} | ${perRound} | ` +
        `${median(figures.map((f) => f.rssMedianMb)).toFixed(1)} / ${median(figures.map((f) => f.rssMaxMb)).toFixed(1)} | ` +
        `${median(figures.map((f) => f.anonMedianMb)).toFixed(1)} | ${median(figures.map((f) => f.peakMb)).toFixed(1)} |`,
    );
  }
  const watch = of('watch');
  const loop = of('loop');
  const idle = of('idle');
  if (watch.length > 0 && loop.length > 0) {
    console.log(
      `watch CPU / bare loop CPU: ${(median(watch.map((f) => f.cpuMs)) / median(loop.map((f) => f.cpuMs))).toFixed(2)}`,
    );
  }
  if (watch.length > 0 && idle.length > 0) {
    console.log(
      `watch RSS (window median) / idle-connections RSS: ${(median(watch.map((f) => f.rssMedianMb)) / median(idle.map((f) => f.rssMedianMb))).toFixed(2)} ` +
        `(+${(median(watch.map((f) => f.rssMedianMb)) - median(idle.map((f) => f.rssMedianMb))).toFixed(1)} MB)`,
    );
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hik-bench-watch-'));
  console.log(
    `Watch footprint, ${DEVICES} simulated devices, interval ${INTERVAL_MS / 1000} s, ${ROUNDS} rounds per window, ` +
      `${REPEATS} repeat(s), Node ${process.version}${PROFILE_DIR ? `, profiled into ${PROFILE_DIR}` : ''}`,
  );
  const fleet = await startFleet();
  const all: Figures[] = [];
  try {
    const pkg = snapshotPackage(work);
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const order: Kind[] = repeat % 2 === 0 ? ['watch', 'loop', 'idle'] : ['loop', 'idle', 'watch'];
      for (const kind of order.filter((k) => KINDS.includes(k))) {
        const figures =
          kind === 'watch' ? await runWatch(pkg, fleet, work) : await runFloor(kind, fleet, work);
        all.push(figures);
        console.log(
          `${kind}: CPU ${figures.cpuMs.toFixed(0)} ms over ${(figures.wallMs / 1000).toFixed(0)} s ` +
            `(${((figures.cpuMs / figures.wallMs) * 100).toFixed(3)} %), RSS median ${figures.rssMedianMb.toFixed(1)} MB ` +
            `(own ${figures.anonMedianMb.toFixed(1)} MB), ` +
            `max ${figures.rssMaxMb.toFixed(1)} MB, VmHWM ${figures.peakMb.toFixed(1)} MB — ${figures.note}`,
        );
      }
    }
    report(all);
  } finally {
    await stopChild(fleet.child, 'stdin');
    rmSync(work, { recursive: true, force: true });
  }
}

const isolation = isolate(__filename, process.argv.slice(2));
if (isolation.inside) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  void isolation.exitCode.then((code) => (process.exitCode = code));
}
