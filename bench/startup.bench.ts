/**
 * `npm run bench:startup`: what installing this package costs a Node-RED that has no hik node
 * deployed, measured from outside. Node-RED 4 (the `node-red` dev dependency, plain node, no tsx)
 * starts with an empty flow file, once bare and once with the built package (dist/) in its user
 * directory's node_modules, same settings otherwise; the two alternate in pairs (bare first, then
 * the package first) so drift in the machine's load falls on both. For each start: CPU of the
 * whole process (every thread, from /proc) when Node-RED says its flows started and after a quiet
 * second, and the peak resident memory (VmHWM). Reported as medians with the middle half, and as
 * the median of the paired differences. Figures go to BENCHMARKS.md; nothing here asserts.
 * Goal (issue 15): the package adds at most 50 ms CPU and 8 MB peak memory.
 *
 * The built package is copied first (bench/support/package-snapshot.ts), so a rebuild during the
 * run changes nothing. One extra start of each kind,
 * not measured, lists the third-party packages that were loaded, to show what the package itself
 * pulls in at start-up. Env: HIK_BENCH_STARTUP_PAIRS (default 12), HIK_BENCH_STARTUP_SETTLE_MS
 * (default 1000), HIK_BENCH_PACKAGE_ROOT (another built copy of the package, e.g. an older one).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reaped } from './support/child-reaper';
import { PACKAGE_NAME, snapshotPackage } from './support/package-snapshot';
import { isolate } from './support/private-network';
import {
  median,
  readProcCpu,
  readProcMemory,
  spread,
  type ProcCpu,
  type ProcMemory,
} from './support/proc-stats';

const PAIRS = Number(process.env.HIK_BENCH_STARTUP_PAIRS ?? 12);
const SETTLE_MS = Number(process.env.HIK_BENCH_STARTUP_SETTLE_MS ?? 1000);

type Variant = 'bare' | 'package';

interface Start {
  variant: Variant;
  ready: ProcCpu;
  settled: ProcCpu;
  memory: ProcMemory;
  readyMs: number;
}

/** A fresh user directory: the same settings for both variants, an empty flow file. */
function userDir(parent: string, variant: Variant, pkg: string): string {
  const dir = mkdtempSync(join(parent, `${variant}-`));
  mkdirSync(join(dir, 'node_modules'));
  if (variant === 'package') symlinkSync(pkg, join(dir, 'node_modules', PACKAGE_NAME), 'dir');
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: 0,
    flowFile: 'flows.json',
    credentialSecret: 'bench-only-secret',
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { palette: { catalogues: [] }, tours: false },
    logging: { console: { level: 'info' } },
  };
  writeFileSync(join(dir, 'settings.js'), `module.exports = ${JSON.stringify(settings)};\n`);
  writeFileSync(join(dir, 'flows.json'), '[]');
  return dir;
}

interface Started {
  pid: number;
  readyMs: number;
  output: () => string;
  stop: () => Promise<void>;
}

async function startNodeRed(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Started> {
  const started = performance.now();
  const child = reaped(
    spawn(
      process.execPath,
      [require.resolve('node-red/red.js'), '--userDir', dir, '--settings', join(dir, 'settings.js')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } },
    ),
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Node-RED did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Started flows/.test(output) && /Server now running at/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited (${code}) before it was ready:\n${output}`));
    });
  });
  if (child.pid === undefined) throw new Error('Node-RED has no pid');
  return { pid: child.pid, readyMs: performance.now() - started, output: () => output, stop };
}

async function measure(parent: string, variant: Variant, pkg: string): Promise<Start> {
  const dir = userDir(parent, variant, pkg);
  const red = await startNodeRed(dir);
  try {
    const ready = readProcCpu(red.pid);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settled = readProcCpu(red.pid);
    const memory = readProcMemory(red.pid);
    await checkLoaded(variant, red);
    return { variant, ready, settled, memory, readyMs: red.readyMs };
  } finally {
    await red.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package's nodes must really be registered (a load error would flatter it), and only then. */
async function checkLoaded(variant: Variant, red: Started): Promise<void> {
  const base = /Server now running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(red.output())?.[1];
  if (!base) throw new Error(`no editor address in Node-RED's output:\n${red.output()}`);
  const response = await fetch(`${base}nodes`, { headers: { accept: 'application/json' } });
  const nodes = (await response.json()) as { module: string; enabled: boolean; err?: string }[];
  const ours = nodes.filter((n) => n.module === PACKAGE_NAME);
  const expected = variant === 'package';
  if (ours.length > 0 !== expected || ours.some((n) => n.err !== undefined || !n.enabled)) {
    throw new Error(
      `${PACKAGE_NAME} ${expected ? 'not loaded' : 'loaded'} (${JSON.stringify(ours)}):\n${red.output()}`,
    );
  }
}

/** Third-party packages loaded by the time Node-RED is stopped, with and without the package. */
async function loadedPackages(parent: string, pkg: string): Promise<void> {
  const hook = join(parent, 'list-packages.js');
  writeFileSync(
    hook,
    `process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    if (file.endsWith('package.json')) continue; // Node-RED reads every package.json it scans
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(file);
    if (m) names.add(m[1]);
  }
  require('fs').writeFileSync(process.env.HIK_BENCH_LIST, [...names].sort().join('\\n'));
});\n`,
  );
  const lists: Record<Variant, Set<string>> = { bare: new Set(), package: new Set() };
  for (const variant of ['bare', 'package'] as const) {
    const dir = userDir(parent, variant, pkg);
    const list = join(parent, `${variant}.list`);
    const red = await startNodeRed(dir, { NODE_OPTIONS: `--require ${hook}`, HIK_BENCH_LIST: list });
    await red.stop();
    lists[variant] = new Set(readFileSync(list, 'utf8').split('\n').filter(Boolean));
    rmSync(dir, { recursive: true, force: true });
  }
  const extra = [...lists.package].filter((name) => !lists.bare.has(name));
  console.log(
    `third-party packages loaded only with the package: ${extra.length > 0 ? extra.join(', ') : 'none'} ` +
      `(bare Node-RED loads ${lists.bare.size})`,
  );
}

function report(starts: Start[]): void {
  const of = (variant: Variant): Start[] => starts.filter((s) => s.variant === variant);
  const pairs: [Start, Start][] = [];
  const bare = of('bare');
  const withPackage = of('package');
  for (let i = 0; i < Math.min(bare.length, withPackage.length); i++) {
    pairs.push([bare[i] as Start, withPackage[i] as Start]);
  }
  const figures: [string, (s: Start) => number, number][] = [
    ['CPU to "Started flows", ms (all threads)', (s) => s.ready.threadsMs, 0],
    ['CPU to "Started flows", ms (/proc stat ticks)', (s) => s.ready.statMs, 0],
    [`CPU incl. ${SETTLE_MS} ms settle, ms`, (s) => s.settled.threadsMs, 0],
    ['peak RSS (VmHWM), MB', (s) => s.memory.peakMb, 1],
    ['RSS after settle, MB', (s) => s.memory.rssMb, 1],
    ['own memory (RssAnon) after settle, MB', (s) => s.memory.anonMb, 1],
    ['wall time to ready, ms', (s) => s.readyMs, 0],
  ];
  console.log(`\n${pairs.length} pairs; median [middle half]`);
  console.log('| what | bare Node-RED | with the package | paired difference | ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, pick, digits] of figures) {
    const diffs = pairs.map(([b, p]) => pick(p) - pick(b));
    const ratio = median(withPackage.map(pick)) / median(bare.map(pick));
    console.log(
      `| ${name} | ${spread(bare.map(pick), digits)} | ${spread(withPackage.map(pick), digits)} | ` +
        `${diffs.length > 0 && median(diffs) >= 0 ? '+' : ''}${spread(diffs, digits)} | ${ratio.toFixed(3)} |`,
    );
  }
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'hik-bench-startup-'));
  try {
    const pkg = snapshotPackage(parent);
    const nodeRed = JSON.parse(readFileSync(require.resolve('node-red/package.json'), 'utf8')) as {
      version: string;
    };
    console.log(
      `Start-up cost, Node-RED ${nodeRed.version} on Node ${process.version}, ` +
        `${PAIRS} pairs + 1 warm-up pair, settle ${SETTLE_MS} ms`,
    );
    const starts: Start[] = [];
    for (let pair = -1; pair < PAIRS; pair++) {
      const order: Variant[] = pair % 2 === 0 ? ['bare', 'package'] : ['package', 'bare'];
      for (const variant of order) {
        const start = await measure(parent, variant, pkg);
        if (pair >= 0) starts.push(start);
        process.stdout.write(
          `${pair < 0 ? 'warm-up' : `pair ${pair + 1}`} ${variant}: CPU ${start.ready.threadsMs.toFixed(0)} ms, ` +
            `peak ${start.memory.peakMb.toFixed(1)} MB\n`,
        );
      }
    }
    report(starts);
    await loadedPackages(parent, pkg);
  } finally {
    rmSync(parent, { recursive: true, force: true });
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
