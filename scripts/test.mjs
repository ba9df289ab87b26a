#!/usr/bin/env node
// `npm test`: every check this package has, inside a private network namespace.
//
//   node scripts/test.mjs                  everything, both legs
//   node scripts/test.mjs --leg 20         one leg only (20: Node 20 + node-red 4, 22: Node 22 + node-red 5)
//   node scripts/test.mjs --grep digest    any argument not listed here goes to mocha (also after `--`)
//   node scripts/test.mjs --no-checks      skip tsc/eslint/prettier (not allowed when CI is set)
//   node scripts/test.mjs --serial         run the two legs one after the other (default: side by side)
//
// Outside the namespace (downloads allowed): fetch the Node 22 binary into .cache/node22 if missing,
// and Debian's Mosquitto (the MQTT tests' broker; apt-get, as root) if missing. Then every step
// re-runs this script under `unshare` in a fresh network namespace with only `lo` up (root:
// `unshare --net`, otherwise `unshare -rn`), and the inner run checks it really is isolated. First,
// in one namespace, stopping at the first failure: tsc --noEmit, eslint, prettier --check, build.
// Then the legs, each in its own namespace, side by side: mocha on Node 20 with
// HIK_GUARD_NODE_RED=node-red, mocha on Node 22 with HIK_GUARD_NODE_RED=node-red-5.
// The outer process prints the last line, `N passed, N failed`, summed over the legs (a failed
// check or a crashed leg counts as one failure). If no namespace can be made the suite runs
// without one after a loud warning, except when CI is set: then it fails.
//
// Environment: HIK_GUARD_LEG_TIMEOUT_S (default 600) bounds each mocha leg, HIK_GUARD_NODE20 names
// another Node 20 binary. Set by this script for mocha: HIK_GUARD_NODE_RED, HIK_GUARD_LEG,
// HIK_GUARD_EXPECT_NODE_RED_MAJOR, HIK_GUARD_SUMMARY_FILE; internal: HIK_GUARD_NETNS,
// HIK_GUARD_HOST_NETNS, HIK_GUARD_PHASE, HIK_GUARD_RESULT_FILE.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);
const node22 = join(root, '.cache', 'node22', 'node_modules', '.bin', 'node');
const LEGS = {
  20: { nodeMajor: 20, nodeRed: 'node-red', nodeRedMajor: 4 },
  22: { nodeMajor: 22, nodeRed: 'node-red-5', nodeRedMajor: 5 },
};
const STEP_TIMEOUT_MS = 5 * 60 * 1000;
const LEG_TIMEOUT_MS = Number(process.env.HIK_GUARD_LEG_TIMEOUT_S ?? 600) * 1000;
const isCi = Boolean(process.env.CI);

function header(text) {
  console.log(`\n==> ${text}`);
}

function warnLoudly(lines) {
  const bar = '!'.repeat(78);
  console.error([bar, ...lines.map((l) => `!!! ${l}`), bar].join('\n'));
}

function parseArgs(argv) {
  const options = { legs: ['20', '22'], checks: true, serial: false, mocha: [], help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') {
      options.mocha.push(...argv.slice(i + 1));
      break;
    } else if (arg === '--leg' || arg.startsWith('--leg=')) {
      const value = arg === '--leg' ? argv[++i] : arg.slice('--leg='.length);
      if (!(value in LEGS)) throw new Error(`--leg takes ${Object.keys(LEGS).join(' or ')}, not ${value}`);
      options.legs = [value];
    } else if (arg === '--serial') {
      options.serial = true;
    } else if (arg === '--no-checks') {
      if (isCi) throw new Error('--no-checks is not allowed when CI is set');
      options.checks = false;
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else {
      options.mocha.push(arg);
    }
  }
  return options;
}

/** Runs a command to completion with inherited output; kills its whole process group on timeout. */
function run(command, args, { env = process.env, timeoutMs = STEP_TIMEOUT_MS, output } = {}) {
  return new Promise((resolvePromise) => {
    const stdio = output === undefined ? 'inherit' : ['ignore', output, output];
    const child = spawn(command, args, { cwd: root, env, stdio, detached: true });
    let timedOut = false;
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    const onSignal = (signal) => {
      killGroup(signal);
      process.exitCode = 130;
    };
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n${command} ${args.join(' ')}: still running after ${timeoutMs / 1000} s, killing it`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5000).unref();
    }, timeoutMs);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.on('error', (err) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.error(`${command}: ${err.message}`);
      resolvePromise({ code: 127, timedOut });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Leftovers of the group (servers a test forgot) must not outlive the step.
      killGroup('SIGKILL');
      resolvePromise({ code: timedOut ? 124 : (code ?? (signal ? 128 : 1)), timedOut });
    });
  });
}

function nodeMajor(binary) {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const match = /^v(\d+)\./.exec(result.stdout ?? '');
  return match ? Number(match[1]) : null;
}

function printResult(result) {
  console.log(`${result.passed} passed, ${result.failed} failed`);
}

// ---- outside the namespace ----------------------------------------------------------------------

async function ensureNode22() {
  header('Node 22 runtime (.cache/node22)');
  if (existsSync(node22) && nodeMajor(node22) === 22) {
    console.log(`present: ${node22}`);
    return true;
  }
  const pkg = `node-${process.platform}-${process.arch}@22`;
  const npmCli = process.env.npm_execpath;
  const [command, prefixArgs] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const args = [...prefixArgs, 'install', '--no-save', '--ignore-scripts', '--prefix', '.cache/node22', pkg];
  console.log(`fetching ${pkg} with npm`);
  const { code } = await run(command, args);
  if (code !== 0 || nodeMajor(node22) !== 22) {
    console.error(`could not get a Node 22 binary at ${node22}`);
    return false;
  }
  return true;
}

const MOSQUITTO = '/usr/sbin/mosquitto';

/**
 * The MQTT tests start Debian's Mosquitto on loopback inside the namespace. Installed here, where
 * apt can still reach its mirror, when missing and this is root; otherwise those tests skip (and
 * fail under CI).
 */
async function ensureMosquitto() {
  header("Mosquitto (the MQTT tests' broker)");
  if (existsSync(MOSQUITTO)) {
    console.log(`present: ${MOSQUITTO}`);
    return;
  }
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    console.log('missing, and only root with apt-get installs it here: the MQTT tests will skip (CI: fail)');
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '--no-install-recommends', 'mosquitto'];
  if ((await run('apt-get', install, { env })).code !== 0) {
    await run('apt-get', ['update'], { env });
    await run('apt-get', install, { env });
  }
  console.log(existsSync(MOSQUITTO) ? `installed: ${MOSQUITTO}` : 'could not install mosquitto');
}

/** unshare flags that give a namespace where `ip link set lo up` works, or null. */
function namespaceFlags() {
  const candidates =
    process.getuid?.() === 0
      ? [['--net'], ['--user', '--map-root-user', '--net']]
      : [['--user', '--map-root-user', '--net']];
  const reasons = [];
  for (const flags of candidates) {
    const probe = spawnSync('unshare', [...flags, '--', 'ip', 'link', 'set', 'lo', 'up'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return { flags, reasons };
    reasons.push(
      `unshare ${flags.join(' ')}: ${probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status}`)}`,
    );
  }
  return { flags: null, reasons };
}

async function outer(argv) {
  const options = parseArgs(argv);
  if (options.help) {
    const lines = readFileSync(self, 'utf8').split('\n').slice(1);
    const usage = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('//')),
    );
    console.log(usage.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return 0;
  }
  console.log(
    `hik-guard tests: legs ${options.legs.join(', ')}${options.mocha.length ? `, mocha ${options.mocha.join(' ')}` : ''}${isCi ? ' (CI)' : ''}`,
  );
  if (options.legs.includes('22') && !(await ensureNode22())) return finish({ passed: 0, failed: 1 }, 1);
  await ensureMosquitto();

  header('network namespace (only lo)');
  const { flags, reasons } = namespaceFlags();
  const resultDir = mkdtempSync(join(tmpdir(), 'hik-guard-test-'));
  const env = { ...process.env };
  let enter;
  if (flags) {
    console.log(`each step enters its own: unshare ${flags.join(' ')}`);
    env.HIK_GUARD_NETNS = '1';
    env.HIK_GUARD_HOST_NETNS = readlinkSync('/proc/self/ns/net');
    enter = (args) => ['unshare', [...flags, '--', process.execPath, self, ...args]];
  } else if (isCi) {
    console.error(reasons.join('\n'));
    console.error('CI is set: refusing to run the tests without a private network namespace');
    rmSync(resultDir, { recursive: true, force: true });
    return finish({ passed: 0, failed: 1 }, 1);
  } else {
    warnLoudly([
      "NO NETWORK NAMESPACE: the tests run on this machine's real network.",
      ...reasons,
      'Install iproute2 and util-linux, or allow unprivileged user namespaces.',
    ]);
    env.HIK_GUARD_NETNS = 'none';
    enter = (args) => [process.execPath, [self, ...args]];
  }
  try {
    return await insideNamespaces(options, argv, { env, enter, resultDir });
  } finally {
    rmSync(resultDir, { recursive: true, force: true });
  }
}

/**
 * The checks and the build run once; then each leg runs in a namespace of its own (the SADP tests
 * bind the fixed SADP port on loopback, so two legs must not share one), both at once unless
 * --serial. A leg running beside another writes to a log that is printed whole when it ends.
 */
async function insideNamespaces(options, argv, { env, enter, resultDir }) {
  const step = async (phase, name, args, output) => {
    const resultFile = join(resultDir, `${name}.json`);
    const [command, commandArgs] = enter(args);
    // The inner run bounds each of its steps; this outer bound only catches a wedged namespace.
    const { code } = await run(command, commandArgs, {
      env: { ...env, HIK_GUARD_PHASE: phase, HIK_GUARD_RESULT_FILE: resultFile },
      timeoutMs: LEG_TIMEOUT_MS + 4 * STEP_TIMEOUT_MS,
      output,
    });
    let result = { passed: 0, failed: 1 };
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8'));
    } catch {
      console.error(`the ${name} run left no result; counting it as one failure`);
    }
    if (code !== 0 && result.failed === 0) result.failed = 1;
    return { code: code !== 0 || result.failed > 0 ? code || 1 : 0, result };
  };

  const prepared = await step('prepare', 'prepare', argv);
  if (prepared.code !== 0) return finish(prepared.result, prepared.code);

  const legArgs = (leg) => [...argv.filter((_, i) => !isLegArg(argv, i)), '--leg', leg];
  let legs;
  if (options.serial || options.legs.length === 1) {
    legs = [];
    for (const leg of options.legs) legs.push(await step('leg', `leg-${leg}`, legArgs(leg)));
  } else {
    header(`mocha legs ${options.legs.join(' and ')} side by side (each printed when it ends)`);
    legs = await Promise.all(
      options.legs.map(async (leg) => {
        const log = join(resultDir, `leg-${leg}.log`);
        const fd = openSync(log, 'w');
        try {
          return { ...(await step('leg', `leg-${leg}`, legArgs(leg), fd)), log };
        } finally {
          closeSync(fd);
        }
      }),
    );
    for (const leg of legs) process.stdout.write(readFileSync(leg.log, 'utf8'));
  }
  const total = { passed: 0, failed: 0 };
  for (const { result } of legs) {
    total.passed += result.passed;
    total.failed += result.failed;
  }
  return finish(total, legs.find((l) => l.code !== 0)?.code ?? 0);
}

/** Whether argv[i] is --leg, its value, or --leg=N (replaced per leg). */
function isLegArg(argv, i) {
  return argv[i] === '--leg' || argv[i].startsWith('--leg=') || (i > 0 && argv[i - 1] === '--leg');
}

function finish(result, code) {
  printResult(result);
  return code;
}

// ---- inside the namespace -----------------------------------------------------------------------

function verifyNamespace() {
  header('checking isolation');
  const hostNs = process.env.HIK_GUARD_HOST_NETNS;
  const ownNs = readlinkSync('/proc/self/ns/net');
  if (!hostNs || hostNs === ownNs) throw new Error(`still in the host network namespace (${ownNs})`);
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up failed: ${up.stderr || up.error?.message}`);
  const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  if (links.status !== 0) throw new Error(`ip -o link failed: ${links.stderr || links.error?.message}`);
  const lines = links.stdout.split('\n').filter((l) => l.trim() !== '');
  const names = lines.map((l) => /^\d+:\s*([^:@\s]+)/.exec(l)?.[1] ?? l);
  if (names.length !== 1 || names[0] !== 'lo') {
    throw new Error(`expected only lo in the namespace, found: ${names.join(', ')}`);
  }
  if (!/<[^>]*\bUP\b[^>]*>/.test(lines[0])) throw new Error(`lo is not up: ${lines[0]}`);
  console.log(`isolated (${ownNs}, host ${hostNs}): only lo, up`);
}

async function inner(argv) {
  const options = parseArgs(argv);
  const resultFile = process.env.HIK_GUARD_RESULT_FILE;
  if (!resultFile) throw new Error('run scripts/test.mjs itself; the inner run needs HIK_GUARD_RESULT_FILE');
  const total = { passed: 0, failed: 0, pending: 0 };
  const save = () => writeFileSync(resultFile, `${JSON.stringify(total)}\n`);
  save();

  if (process.env.HIK_GUARD_NETNS === '1') {
    try {
      verifyNamespace();
    } catch (err) {
      console.error(`aborting: ${err.message}`);
      total.failed = 1;
      save();
      return 1;
    }
  } else if (isCi) {
    console.error('aborting: CI is set and this run is not in a private network namespace');
    total.failed = 1;
    save();
    return 1;
  } else {
    warnLoudly(['running WITHOUT a private network namespace']);
  }

  const node = process.execPath;
  const bin = (path) => join(root, 'node_modules', path);
  const checks = [
    [
      'typecheck: tsc --noEmit -p tsconfig.json',
      [bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'],
    ],
    ['lint: eslint .', [bin('eslint/bin/eslint.js'), '.']],
    ['format: prettier --check .', [bin('prettier/bin/prettier.cjs'), '--check', '.']],
  ];
  const steps =
    process.env.HIK_GUARD_PHASE === 'prepare'
      ? [
          ...(options.checks ? checks : []),
          ['build: scripts/build.mjs', [join(root, 'scripts', 'build.mjs')]],
        ]
      : [];
  for (const [title, args] of steps) {
    header(title);
    const { code } = await run(node, args);
    if (code !== 0) {
      console.error(`${title.split(':')[0]} failed (exit ${code})`);
      total.failed += 1;
      save();
      return code;
    }
  }

  const legs = process.env.HIK_GUARD_PHASE === 'leg' ? options.legs : [];
  for (const leg of legs) {
    const spec = LEGS[leg];
    const binary = leg === '22' ? node22 : (process.env.HIK_GUARD_NODE20 ?? process.execPath);
    header(`mocha leg ${leg}: Node ${spec.nodeMajor} + ${spec.nodeRed} (${binary})`);
    const major = nodeMajor(binary);
    if (major !== spec.nodeMajor) {
      console.error(
        `leg ${leg} needs Node ${spec.nodeMajor}, ${binary} is Node ${major ?? '?'} (see HIK_GUARD_NODE20)`,
      );
      total.failed += 1;
      save();
      return 1;
    }
    const summaryFile = join(dirname(resultFile), `leg-${leg}.json`);
    rmSync(summaryFile, { force: true });
    const env = {
      ...process.env,
      HIK_GUARD_NODE_RED: spec.nodeRed,
      HIK_GUARD_LEG: leg,
      HIK_GUARD_EXPECT_NODE_RED_MAJOR: String(spec.nodeRedMajor),
      HIK_GUARD_SUMMARY_FILE: summaryFile,
    };
    const mochaArgs = [
      bin('mocha/bin/mocha.js'),
      '--reporter',
      join(root, 'test', 'support', 'summary-reporter.cjs'),
      ...options.mocha,
    ];
    const { code, timedOut } = await run(binary, mochaArgs, { env, timeoutMs: LEG_TIMEOUT_MS });
    let counts = null;
    try {
      counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      // no summary: mocha crashed before or while running
    }
    const passed = counts?.passed ?? 0;
    let failed = counts?.failed ?? 0;
    if (code !== 0 && failed === 0) failed = 1; // crashed, timed out or failed outside a test
    total.passed += passed;
    total.failed += failed;
    total.pending += counts?.pending ?? 0;
    save();
    const note = timedOut ? ' (timed out)' : counts ? '' : ' (no summary from mocha)';
    console.log(`leg ${leg}: ${passed} passed, ${failed} failed, ${counts?.pending ?? 0} pending${note}`);
    if (code !== 0 || failed > 0) return code || 1;
  }
  return 0;
}

// ---- main ---------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
try {
  process.exitCode = process.env.HIK_GUARD_NETNS ? await inner(argv) : await outer(argv);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  if (!process.env.HIK_GUARD_NETNS) printResult({ passed: 0, failed: 1 });
  process.exitCode = 1;
}
