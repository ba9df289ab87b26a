/**
 * Keeps a benchmark off the real LAN: unless it already runs in a private network namespace that
 * this module made, the script is run again under `unshare` in a fresh namespace (root:
 * `unshare --net`, otherwise a user namespace too), with `--expose-gc` so memory can be measured
 * after a full collection. Inside, `lo` is brought up and checked to be the only interface. There
 * is no fallback: without a namespace the benchmark does not run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

const MARK = 'HIK_BENCH_NETNS';
const HOST_NS = 'HIK_BENCH_HOST_NETNS';

export type Isolation = { inside: true } | { inside: false; exitCode: Promise<number> };

/**
 * Inside the namespace: checks it and returns `{inside: true}`. Outside: starts the script again
 * inside one and returns its exit code (SIGINT and SIGTERM are passed on).
 */
export function isolate(script: string, argv: readonly string[]): Isolation {
  if (process.env[MARK] === '1') {
    checkIsolated();
    return { inside: true };
  }
  const flags = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const child = spawn(
    'unshare',
    [
      ...flags,
      '--',
      process.execPath,
      '--expose-gc',
      '--require',
      require.resolve('tsx/cjs'),
      script,
      ...argv,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, [MARK]: '1', [HOST_NS]: readlinkSync('/proc/self/ns/net') },
    },
  );
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const exitCode = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`cannot make a private network namespace (${err.message}); not running\n`);
      resolve(2);
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  return { inside: false, exitCode };
}

function checkIsolated(): void {
  const own = readlinkSync('/proc/self/ns/net');
  if (!process.env[HOST_NS] || process.env[HOST_NS] === own) {
    throw new Error(`still in the host network namespace (${own})`);
  }
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up failed: ${up.stderr || up.error?.message}`);
  const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  const names = links.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => /^\d+:\s*([^:@\s]+)/.exec(line)?.[1] ?? line);
  if (links.status !== 0 || names.length !== 1 || names[0] !== 'lo') {
    throw new Error(`expected only lo in the namespace, found: ${names.join(', ') || links.stderr}`);
  }
}
