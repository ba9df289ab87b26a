/**
 * `npm run bench:soak`: the long run of issue 8 (item 7). For an hour (by default) 200 simulated
 * devices — cameras of three firmware generations, some recorded by NVRs, a quarter on HTTPS —
 * live through seeded random faults, reboots, factory resets and Home Assistant restarts while the
 * product does what a user's Node-RED would: rotate every password on a schedule (real vault on
 * disk), watch for resets (activateStatus poll + passive SADP), re-claim reset devices and alert
 * Home Assistant. The fleet and the HA test server run in a child process, so the memory figures
 * are the product's. After a quiet drain the report compares resets with the alerts HA received,
 * rotations scheduled with those completed, counts failed logins and locks on the devices and
 * checks every device's password against the vault. Exit 1 when a safety goal fails (a password
 * lost, a lock caused), 2 on bad options. Runs only inside a private network namespace.
 *
 *   npm run bench:soak -- --minutes 3 --report-every 15     (see --help for every option)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CredentialVault } from '../lib/vault/credential-vault';
import { sampleMemory, type MemorySample } from './support/memory-trend';
import { isolate } from './support/private-network';
import { SeededRandom } from '../test/support/seeded-random';
import { SoakChaos } from './support/soak-chaos';
import { ResetLedger } from './support/soak-reset-ledger';
import { parseSoakOptions, SOAK_USAGE, SoakUsageError, type SoakOptions } from './support/soak-options';
import { codeOf, SoakProduct } from './support/soak-product';
import { soakReport } from './support/soak-report';
import { SoakWorld } from './support/soak-world';

/** What the owner types once to enrol the fleet (the simulated devices start with it). */
const ENROLMENT_PASSWORD = 'Soak-Enrol-1x!';
const HA_TOKEN = 'soak-bench-ha-token';
const SADP_PORT = 37020;
/** Teardown after the chaos must end within drain + this, or the run is killed. */
const TEARDOWN_LIMIT_MS = 180_000;
/** Interrupts this close together are one Ctrl-C delivered more than once. */
const SAME_PRESS_MS = 2_000;

/** Resolves after `ms`, or as soon as `interrupted` settles. */
function wait(ms: number, interrupted: Promise<void>): Promise<void> {
  const controller = new AbortController();
  return Promise.race([
    delay(ms, undefined, { signal: controller.signal }).catch(() => undefined),
    interrupted,
  ]).finally(() => controller.abort());
}

async function run(options: SoakOptions): Promise<number> {
  let interrupt = (): void => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  let interrupts = 0;
  let firstInterrupt = 0;
  let world: SoakWorld | null = null;
  const onSignal = (): void => {
    // A Ctrl-C reaches this process both from the terminal and through its parents: one press.
    if (interrupts > 0 && Date.now() - firstInterrupt < SAME_PRESS_MS) return;
    interrupts += 1;
    if (interrupts === 1) {
      firstInterrupt = Date.now();
      console.log('\ninterrupted: stopping the chaos, tearing down, reporting (again to abort at once)');
      interrupt();
      return;
    }
    world?.kill();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const dir = await mkdtemp(join(tmpdir(), 'hik-soak-'));
  const vault = await CredentialVault.open(join(dir, 'vault.json'), 'soak-bench-vault-secret');
  let product: SoakProduct | null = null;
  try {
    console.log(
      `soak: ${options.devices} devices, ${options.minutes} min, seed ${options.seed}, ` +
        `rotation every ${options.rotateEveryMinutes} min, poll ${options.pollSeconds} s, Node ${process.version}`,
    );
    const started = await SoakWorld.start({
      devices: options.devices,
      nvrs: options.nvrs,
      camerasPerNvr: options.camerasPerNvr,
      httpsEvery: options.httpsEvery,
      password: ENROLMENT_PASSWORD,
      haToken: HA_TOKEN,
      sadpPort: SADP_PORT,
    });
    world = started.world;
    const devices = started.started.devices;
    const ledger = new ResetLedger();
    product = new SoakProduct({
      vault,
      devices,
      enrolmentPassword: ENROLMENT_PASSWORD,
      haUrl: started.started.haUrl,
      haToken: HA_TOKEN,
      sadpPort: SADP_PORT,
      rotateEveryMinutes: options.rotateEveryMinutes,
      rotationConcurrency: options.rotationConcurrency,
      settleMs: options.settleMs,
      pollSeconds: options.pollSeconds,
      onInactiveAlert: (serial) => ledger.inactiveAlert(serial),
    });
    const notEnrolled = await product.enrolAll();
    if (notEnrolled.length > 0) throw new Error(`enrolment failed: ${notEnrolled.slice(0, 5).join('; ')}`);
    await product.start();
    await product.watch.pollNow(); // every device known as active before the first reset
    console.log(`enrolled ${vault.list().length}, watching ${product.watch.monitor.counts().ok} active`);

    const running = product;
    const random = new SeededRandom(options.seed);
    const chaos = new SoakChaos({
      world,
      serials: devices.map((d) => d.serial),
      random,
      everyMs: options.chaosEveryMs,
      haRestartEveryMinutes: options.haRestartEveryMinutes,
      heldInactive: (serial) => running.watch.monitor.believesInactive(serial),
      ledger,
      onError: (err) => console.error(`chaos: ${err.message}`),
    });
    const startedAt = Date.now();
    const samples: MemorySample[] = [sampleMemory(startedAt, startedAt)];
    const sampler = setInterval(() => {
      const sample = sampleMemory(startedAt, Date.now());
      samples.push(sample);
      const c = running.counters;
      const m = running.watch.monitor.counts();
      console.log(
        `[${(sample.atMs / 60_000).toFixed(1)} min] heap ${sample.heapUsedMb.toFixed(1)} MB, rss ${sample.rssMb.toFixed(1)} MB | ` +
          `rotations ${c.rotationsStarted} started, ${c.rotationResults.rotated ?? 0} rotated, ${c.rotationResults.failed ?? 0} failed | ` +
          `resets ${chaos.injected.factoryReset} (${ledger.heldSerials.length} while held inactive), inactive alerts ${c.alertsSent.inactive ?? 0}, re-claimed ${c.reclaims.reclaimed ?? 0} | ` +
          `watch ${m.ok} active, ${m.inactive} inactive, ${m.attention} attention`,
      );
    }, options.reportEverySeconds * 1000);
    chaos.start();
    await wait(options.minutes * 60_000, interrupted);
    const chaosMs = Date.now() - startedAt;
    clearInterval(sampler);
    await chaos.stop();

    const teardownLimit = setTimeout(
      () => {
        console.error('teardown did not finish in time: killing the world process');
        world?.kill();
        process.exit(3);
      },
      options.drainSeconds * 1000 + TEARDOWN_LIMIT_MS,
    );
    await world.quiet();
    if (interrupts === 0) {
      console.log(`chaos over; draining ${options.drainSeconds} s (faults cleared, every device up)`);
      await wait(options.drainSeconds * 1000, interrupted);
    }
    await product.stop();
    const haDelivered = await product.closeLink(30_000);
    const snapshot = await world.snapshot();
    const { lines, safe } = soakReport({
      options,
      chaosMs,
      interrupted: interrupts > 0,
      samples,
      injected: chaos.injected,
      resetsDeclined: chaos.resetsDeclined,
      resets: ledger,
      product: product.counters,
      haDelivered,
      devices,
      world: snapshot,
      records: vault.list(),
    });
    product = null;
    await world.stop();
    world = null;
    clearTimeout(teardownLimit);
    console.log(lines.join('\n'));
    return safe ? 0 : 1;
  } finally {
    await product?.stop().catch((err: unknown) => console.error(`stop: ${codeOf(err)}`));
    await product?.closeLink(2_000);
    await world?.stop();
    await vault.close();
    await rm(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(SOAK_USAGE);
    return 0;
  }
  let options: SoakOptions;
  try {
    options = parseSoakOptions(argv, process.env);
  } catch (err) {
    if (!(err instanceof SoakUsageError)) throw err;
    console.error(`${err.message}\n${SOAK_USAGE}`);
    return 2;
  }
  const isolation = isolate(__filename, argv);
  if (!isolation.inside) return isolation.exitCode;
  const code = await run(options);
  await new Promise((resolve) => setImmediate(resolve)); // the temp dir's last close completes
  // stdout and stderr are a TTY or pipes; anything else still open was not closed by its owner.
  const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
  if (open.length > 0) console.log(`still open after teardown: ${open.join(', ')}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
