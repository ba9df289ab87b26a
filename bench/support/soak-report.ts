/**
 * The soak bench's final report: memory trend, resets against the alerts Home Assistant received
 * and the re-claims, rotations, failed logins and locks on the devices, and the password check
 * (every device's real password must be the vault's current or pending one). Pure: it reads the
 * figures handed in and returns the lines and whether the safety goals held. No password is ever
 * put in a line.
 */
import type { VaultRecord } from '../../lib/vault/credential-vault';
import { trendOf, type MemorySample, type Trend } from './memory-trend';
import type { ChaosKind } from './soak-chaos';
import type { ResetLedger } from './soak-reset-ledger';
import type { SoakOptions } from './soak-options';
import type { ProductCounters, Tally } from './soak-product';
import type { WorldDevice, WorldSnapshot } from './soak-world-protocol';

export interface SoakFigures {
  options: SoakOptions;
  /** Chaos phase length actually run (shorter after a SIGINT). */
  chaosMs: number;
  interrupted: boolean;
  samples: readonly MemorySample[];
  injected: Readonly<Record<ChaosKind, number>>;
  resetsDeclined: number;
  /** Which resets were told to Home Assistant, device by device. */
  resets: ResetLedger;
  product: ProductCounters;
  haDelivered: boolean;
  devices: readonly WorldDevice[];
  world: WorldSnapshot;
  records: readonly VaultRecord[];
}

export interface PasswordCheck {
  current: number;
  pending: number;
  /** Reset by the chaos and not re-claimed: the device has no password, nothing was lost. */
  inactive: number;
  lost: number;
  lostSerials: string[];
}

export interface SoakVerdict {
  lines: string[];
  /** Safety goals: no password lost, no lock caused. */
  safe: boolean;
}

export function checkPasswords(world: WorldSnapshot, records: readonly VaultRecord[]): PasswordCheck {
  const bySerial = new Map(records.map((r) => [r.serial, r]));
  const check: PasswordCheck = { current: 0, pending: 0, inactive: 0, lost: 0, lostSerials: [] };
  for (const device of world.devices) {
    const record = bySerial.get(device.serial);
    if (!device.activated) check.inactive += 1;
    else if (record && device.password === record.password) check.current += 1;
    else if (record?.pending && device.password === record.pending.password) check.pending += 1;
    else {
      check.lost += 1;
      check.lostSerials.push(device.serial);
    }
  }
  return check;
}

export function soakReport(f: SoakFigures): SoakVerdict {
  const lines: string[] = [];
  const add = (line = ''): number => lines.push(line);
  const minutes = f.chaosMs / 60_000;
  add(`=== soak report${f.interrupted ? ' (interrupted)' : ''} ===`);
  add(
    `${f.devices.length} devices (${f.devices.filter((d) => d.kind === 'nvr').length} NVRs, ` +
      `${f.devices.filter((d) => d.recorder).length} cameras recorded by them, ` +
      `${f.devices.filter((d) => d.protocol === 'https').length} on HTTPS), chaos ${minutes.toFixed(1)} min ` +
      `${f.interrupted ? '(no drain)' : `+ drain ${f.options.drainSeconds} s`}, seed ${f.options.seed}, Node ${process.version}`,
  );

  add();
  add('memory (product process; heapUsed after a full GC when --expose-gc)');
  const heap = trendOf(f.samples, (s) => s.heapUsedMb);
  const rss = trendOf(f.samples, (s) => s.rssMb);
  add(
    `  samples: ${f.samples.length}, every ${f.options.reportEverySeconds} s, gc ${global.gc ? 'exposed' : 'NOT exposed'}`,
  );
  add(`  heapUsed: ${trendLine(heap)}`);
  add(`  RSS:      ${trendLine(rss)}`);
  add(
    `  world process RSS at the end: ${f.world.rssMb.toFixed(1)} MB (simulators + HA test server, not measured)`,
  );

  add();
  const resets = f.injected.factoryReset;
  const deviceResets = sum(f.world.devices.map((d) => d.factoryResets));
  const inactiveReceived = f.world.haEvents.inactive ?? 0;
  const held = f.resets.heldSerials;
  const untold = f.resets.untoldSerials();
  const sent = f.product.alertsSent.inactive ?? 0;
  // A device reset again before its re-claim was verified is still in the same inactive episode:
  // Home Assistant already shows it inactive, and one episode gives one alert.
  const told = f.resets.told === resets && f.resets.alertsWithoutReset === 0 && inactiveReceived === sent;
  add('factory resets');
  add(
    `  injected: ${resets} (devices counted ${deviceResets}; ${f.resetsDeclined} picks skipped: device down or inactive)`,
  );
  add(
    `  told to HA: ${f.resets.told} of ${resets} (goal: all) ${told ? 'met' : 'MISSED'}; ` +
      `${held.length} of them on a device already held inactive from an earlier reset (same episode, no new alert due)` +
      (held.length > 0 ? `: ${held.join(', ')}` : ''),
  );
  if (untold.length > 0) add(`  resets no inactive alert followed: ${untold.join(', ')}`);
  add(
    `  inactive alerts: sent ${sent}, received by HA ${inactiveReceived} (goal: = sent); ` +
      `alerts that followed no reset of their device ${f.resets.alertsWithoutReset} (goal 0)`,
  );
  add(
    `  re-claims: completed ${f.product.reclaims.reclaimed ?? 0} at once, ownership_lost ${f.product.reclaims.ownership_lost ?? 0}; ` +
      `reclaimed events received by HA ${f.world.haEvents.reclaimed ?? 0} (the rest settled by a later poll)`,
  );
  add(
    `  all HA events received: ${tally(f.world.haEvents)}; HA restarts ${f.world.haRestarts}, connections ${f.world.haConnections}`,
  );
  add(
    `  HA deliveries settled at the end: ${f.haDelivered ? 'yes' : 'NO'}; delivery problems: ${tally(f.product.haProblems)}`,
  );

  add();
  // Rotations keep running through the drain; every device is due once at the start.
  const scheduledMinutes = minutes + (f.interrupted ? 0 : f.options.drainSeconds / 60);
  const ideal = (Math.floor(scheduledMinutes / f.options.rotateEveryMinutes) + 1) * f.devices.length;
  add(
    `rotations (every ${f.options.rotateEveryMinutes} min per device, concurrency ${f.options.rotationConcurrency})`,
  );
  add(
    `  scheduled (started): ${f.product.rotationsStarted} (a fault-free schedule would start about ${ideal})`,
  );
  add(`  results: ${tally(f.product.rotationResults)}`);
  add(`  not rotated, by code: ${tally(f.product.rotationReasons)}`);
  add(`  rotated but a recorder channel not updated: ${tally(f.product.dependentProblems)}`);
  add(`  scheduler errors: ${tally(f.product.schedulerErrors)}`);

  add();
  const nvrHosts = new Set(f.devices.filter((d) => d.kind === 'nvr').map((d) => d.host));
  let ours = 0;
  let oursMax = 0;
  // Only totals are counted on the devices: the bound is the guard's per-window limit over the run.
  const loginBound = 2 * Math.ceil((minutes + f.options.drainSeconds / 60) / 30);
  let byRecorders = 0;
  for (const device of f.world.devices) {
    let onThis = 0;
    for (const [ip, n] of device.failedLoginsByIp) {
      if (nvrHosts.has(ip)) byRecorders += n;
      else onThis += n;
    }
    ours += onThis;
    oursMax = Math.max(oursMax, onThis);
  }
  const locks = sum(f.world.devices.map((d) => d.locksTriggered));
  const lockRejections = sum(f.world.devices.map((d) => d.lockRejections));
  add('logins on the devices');
  add(
    // Reconcile after an ambiguous change tries the current password once, by design: one refusal.
    `  failed logins by hik guard: ${ours}, at most ${oursMax} on one device over the whole run ` +
      `(bound: the guard's 2 per device per 30 min, <= ${loginBound} here) ${oursMax <= loginBound ? 'met' : 'MISSED'}`,
  );
  add(`  failed logins by recorders (a channel with an old password): ${byRecorders}`);
  add(
    `  locks caused: ${locks}, attempts refused by a lock: ${lockRejections} (goal 0) ${locks + lockRejections === 0 ? 'met' : 'FAILED'}`,
  );
  add(`  watch transitions: ${tally(f.product.transitions)}`);
  add(`  watch errors: ${tally(f.product.watchErrors)}`);

  add();
  const passwords = checkPasswords(f.world, f.records);
  const attention = f.records.filter((r) => r.state === 'needs_attention');
  add('passwords (device vs vault, after the drain)');
  add(
    `  = vault current ${passwords.current}, = vault pending ${passwords.pending}, inactive (not re-claimed) ${passwords.inactive}`,
  );
  add(
    `  lost: ${passwords.lost} (goal 0) ${passwords.lost === 0 ? 'met' : 'FAILED'}` +
      (passwords.lostSerials.length > 0 ? ` — ${passwords.lostSerials.slice(0, 10).join(', ')}` : ''),
  );
  add(
    `  vault records needs_attention: ${attention.length}${attention.length ? ` (${tally(countBy(attention.map((r) => r.attentionReason ?? '?')))})` : ''}`,
  );
  add(`  recorder channels behind their camera's password: ${staleChannels(f)}`);

  add();
  add(`chaos injected: ${tally(f.injected)}`);
  const safe = passwords.lost === 0 && locks + lockRejections === 0;
  add(`safety goals (no password lost, no lock caused): ${safe ? 'PASS' : 'FAIL'}`);
  return { lines, safe };
}

function staleChannels(f: SoakFigures): number {
  const cameraByHost = new Map(f.devices.map((d) => [d.host, d.serial]));
  const snapshot = new Map(f.world.devices.map((d) => [d.serial, d]));
  let stale = 0;
  for (const nvr of f.devices.filter((d) => d.kind === 'nvr')) {
    for (const channel of snapshot.get(nvr.serial)?.channels ?? []) {
      const camera = snapshot.get(cameraByHost.get(channel.ipAddress) ?? '');
      if (camera?.activated && camera.password !== channel.password) stale += 1;
    }
  }
  return stale;
}

function trendLine(trend: Trend | null): string {
  if (!trend) return 'too few samples';
  return (
    `first quarter ${trend.firstQuarterMb.toFixed(1)} MB, last quarter ${trend.lastQuarterMb.toFixed(1)} MB ` +
    `(${signed(trend.lastQuarterMb - trend.firstQuarterMb)} MB), slope ${signed(trend.slopeMbPerHour)} MB/h`
  );
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

function tally(t: Readonly<Tally>): string {
  const entries = Object.entries(t).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

function countBy(keys: readonly string[]): Tally {
  const result: Tally = {};
  for (const key of keys) result[key] = (result[key] ?? 0) + 1;
  return result;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
