/**
 * The product side of the soak bench, wired the way the hik-credentials, hik-reset and
 * hik-homeassistant nodes wire it: a real vault on disk, one CredentialManager per NVR (its
 * cameras' channels follow their password changes) plus one for the cameras no NVR records, a
 * RotationScheduler over all of them, a ResetWatch (activateStatus poll, passive SADP on loopback,
 * re-claim allowed for every device) and a Home Assistant link receiving its states and alerts.
 * Counts what each part reports; holds no password outside the vault.
 */
import { HikError } from '../../lib/errors';
import { HaLink } from '../../lib/homeassistant/ha-link';
import type { DeviceChange } from '../../lib/monitor/activation-monitor';
import { FleetWatch } from '../../lib/fleet/fleet-watch';
import { CredentialManager, type ManagedDevice } from '../../lib/rotation/credential-manager';
import { RotationScheduler } from '../../lib/rotation/rotation-scheduler';
import type { SadpInterface } from '../../lib/sadp/sadp-interfaces';
import { SadpSocketSet } from '../../lib/sadp/sadp-socket-set';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import type { WorldDevice } from './soak-world-protocol';

const LOOPBACK: SadpInterface = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' };
const ENROL_CONCURRENCY = 8;

export interface ProductOptions {
  vault: CredentialVault;
  devices: readonly WorldDevice[];
  enrolmentPassword: string;
  haUrl: string;
  haToken: string;
  sadpPort: number;
  rotateEveryMinutes: number;
  rotationConcurrency: number;
  settleMs: number;
  pollSeconds: number;
  /** Hears each `inactive` alert the watch sends, by device. */
  onInactiveAlert?: (serial: string) => void;
}

/** Counts by key (result, error code, state, alert type). */
export type Tally = Record<string, number>;

export interface ProductCounters {
  rotationsStarted: number;
  rotationResults: Tally;
  /** Error codes of rotations that did not rotate (failed, needs_attention, skipped). */
  rotationReasons: Tally;
  /** Rotated, but a recorder channel was not updated: by error code. */
  dependentProblems: Tally;
  transitions: Tally;
  alertsSent: Tally;
  reclaims: Tally;
  watchErrors: Tally;
  schedulerErrors: Tally;
  haProblems: Tally;
}

export class SoakProduct {
  readonly counters: ProductCounters = {
    rotationsStarted: 0,
    rotationResults: {},
    rotationReasons: {},
    dependentProblems: {},
    transitions: {},
    alertsSent: {},
    reclaims: {},
    watchErrors: {},
    schedulerErrors: {},
    haProblems: {},
  };
  readonly link: HaLink;
  readonly watch: FleetWatch;
  readonly scheduler: RotationScheduler;
  private readonly abort = new AbortController();
  private readonly managed = new Map<string, { manager: CredentialManager; device: ManagedDevice }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly onInactiveAlert: ((serial: string) => void) | undefined;

  constructor(options: ProductOptions) {
    this.onInactiveAlert = options.onInactiveAlert;
    const { vault, devices } = options;
    for (const group of groups(devices)) {
      const managedDevices = group.map((d) => managedDevice(d, options.enrolmentPassword));
      const manager = new CredentialManager({
        vault,
        devices: managedDevices,
        settleMs: options.settleMs,
        signal: this.abort.signal,
      });
      for (const device of managedDevices) this.managed.set(device.key, { manager, device });
    }
    this.link = new HaLink({
      url: options.haUrl,
      token: options.haToken,
      describe: (t) => ({ title: `Camera ${t.type}`, message: `${t.serial} is now ${t.to}` }),
    });
    this.link.onProblem((problem) => count(this.counters.haProblems, problem.error?.code ?? 'evicted'));
    const recorderOf = new Map(devices.map((d) => [d.serial, d.recorder]));
    this.watch = new FleetWatch({
      pollIntervalMs: Math.round(options.pollSeconds * 1000),
      sadp: {
        interfaces: [LOOPBACK],
        sockets: new SadpSocketSet(),
        passive: true,
        scanIntervalMs: 0,
        port: options.sadpPort,
      },
      vault,
      reclaim: {
        allowed: () => true,
        recorders: (serial) => {
          const recorder = recorderOf.get(serial);
          return recorder ? [{ serial: recorder }] : [];
        },
      },
      alerts: this.link.alerts,
      onChange: (change) => this.changed(change),
      onReclaim: (outcome) => count(this.counters.reclaims, outcome.result),
      onError: (err) => count(this.counters.watchErrors, codeOf(err)),
    });
    for (const d of devices) {
      this.watch.watch(d.serial, {
        name: d.serial,
        poll: { host: d.host, port: d.port, protocol: d.protocol },
      });
    }
    const periodMs = options.rotateEveryMinutes * 60_000;
    this.scheduler = new RotationScheduler({
      plan: { kind: 'interval', everyDays: periodMs / 86_400_000 },
      concurrency: options.rotationConcurrency,
      jitterMs: 250,
      // A failed rotation is tried again well before the next regular one.
      retryAfterMs: periodMs / 2,
      devices: () => vault.list().map((r) => ({ serial: r.serial, lastRotation: r.lastRotation })),
      reconcilePending: async () => {
        for (const { manager } of new Set(this.managed.values())) await manager.reconcilePending();
      },
      rotate: (serial) => this.rotate(serial),
      onError: (err) => count(this.counters.schedulerErrors, codeOf(err)),
    });
  }

  /** Enrols every device with the typed password (a few at a time); returns those that failed. */
  async enrolAll(): Promise<string[]> {
    const queue = [...this.managed.values()];
    const failed: string[] = [];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await next.manager.enrolled(next.device);
        } catch (err) {
          failed.push(`${next.device.key}: ${codeOf(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: ENROL_CONCURRENCY }, worker));
    return failed;
  }

  async start(): Promise<void> {
    this.link.start();
    await this.watch.start();
    // Runs for as long as the product does; its failures go to onError, stop() awaits it.
    void this.track(this.scheduler.start());
  }

  /** Stops scheduling and watching; the rotation under way finishes (or stops before its PUT). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.scheduler.stop();
    await Promise.allSettled([...this.inFlight]);
    await this.watch.stop();
  }

  /** Waits (bounded) for Home Assistant deliveries, then closes the link. */
  async closeLink(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const delivered = await Promise.race([
      this.link.alerts.settled().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    await this.link.stop(3_000);
    return delivered;
  }

  private async rotate(serial: string): Promise<void> {
    const entry = this.managed.get(serial);
    if (!entry) return;
    this.counters.rotationsStarted += 1;
    const result = await this.track(entry.manager.rotate(entry.device));
    count(this.counters.rotationResults, result.result);
    if (result.result === 'rotated' && result.reason) count(this.counters.dependentProblems, result.reason);
    else if (result.result !== 'rotated') count(this.counters.rotationReasons, result.reason ?? 'none');
  }

  private changed(change: DeviceChange): void {
    if (change.kind === 'transition') count(this.counters.transitions, `${change.from}->${change.to}`);
    if (change.alert) count(this.counters.alertsSent, change.alert);
    if (change.alert === 'inactive') this.onInactiveAlert?.(change.serial);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}

/** One group per NVR (the NVR and the cameras it records), then the cameras no NVR records. */
function groups(devices: readonly WorldDevice[]): WorldDevice[][] {
  const nvrs = devices.filter((d) => d.kind === 'nvr');
  const result = nvrs.map((nvr) => [nvr, ...devices.filter((d) => d.recorder === nvr.serial)]);
  result.push(devices.filter((d) => d.kind === 'camera' && d.recorder === null));
  return result.filter((group) => group.length > 0);
}

function managedDevice(d: WorldDevice, password: string): ManagedDevice {
  return {
    key: d.serial,
    name: d.serial,
    host: d.host,
    port: d.port,
    protocol: d.protocol,
    username: 'admin',
    serial: d.serial,
    // The simulated fleet serves most devices over plain HTTP; the owner opted in for each.
    allowHttpPasswordChange: true,
    recorder: d.kind === 'nvr',
    enrolmentPassword: () => password,
  };
}

export function count(tally: Tally, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

export function codeOf(err: unknown): string {
  if (HikError.isHikError(err)) return err.code;
  return err instanceof Error ? err.name : typeof err;
}
