/**
 * A fleet with one view, for a process that is the only watcher of its devices: `hik-guard
 * watch`, the benchmarks and the soak. The same fleet and the same rules as in Node-RED (one
 * state machine and poll per device, the sighting gate, re-claim, one alert per transition), with
 * SADP of its own when asked.
 */
import type { HikGuardAlerts } from '../homeassistant/hik-guard-alerts';
import type { LoginGuard } from '../isapi/login-guard';
import type { DeviceChange, WatchDetails } from '../monitor/activation-monitor';
import type { ActivationMonitor } from '../monitor/activation-monitor';
import type { ReclaimPolicy } from '../monitor/ownership-keeper';
import type { ReclaimOutcome } from '../rotation/reclaim-device';
import type { SadpDevice } from '../sadp/sadp-device';
import type { CredentialVault } from '../vault/credential-vault';
import type { AlertMemory } from './alert-memory';
import { Fleet, type DeviceRow } from './fleet';
import type { FleetView } from './fleet-view';
import { SadpFeed, type SadpFeedOptions } from './sadp-feed';

export interface FleetWatchOptions {
  /** activateStatus poll interval; 0 = no polling of its own. */
  pollIntervalMs: number;
  offlineAfterFailures?: number | undefined;
  pollConcurrency?: number | undefined;
  sadp?: Omit<SadpFeedOptions, 'onError'> | null | undefined;
  vault?: CredentialVault | null | undefined;
  /** Who may be re-claimed, asked when it matters. Default: nobody. */
  reclaim?: Partial<ReclaimPolicy> | null | undefined;
  alerts?: HikGuardAlerts | null | undefined;
  memory?: AlertMemory | undefined;
  guard?: LoginGuard | undefined;
  clock?: (() => number) | undefined;
  onChange: (change: DeviceChange) => void;
  onReclaim?: ((outcome: ReclaimOutcome) => void) | undefined;
  onError: (err: Error) => void;
}

export class FleetWatch {
  readonly fleet: Fleet;
  private readonly view: FleetView;
  private readonly feed: SadpFeed | null;

  constructor(options: FleetWatchOptions) {
    this.fleet = new Fleet({
      vault: options.vault ?? null,
      memory: options.memory,
      guard: options.guard,
      pollConcurrency: options.pollConcurrency,
      offlineAfterFailures: options.offlineAfterFailures,
      clock: options.clock,
      onError: options.onError,
    });
    this.view = this.fleet.view({
      pollIntervalMs: options.pollIntervalMs,
      link: options.alerts ? { key: 'watch', alerts: options.alerts } : null,
      policy: options.reclaim ?? undefined,
      onChange: options.onChange,
      onReclaim: options.onReclaim,
      onError: options.onError,
    });
    this.feed = options.sadp ? new SadpFeed(this.view, { ...options.sadp, onError: options.onError }) : null;
  }

  get monitor(): ActivationMonitor {
    return this.fleet.monitor;
  }

  /** Watches a configured device; `poll` is where its activateStatus is asked. */
  watch(serial: string, details: WatchDetails = {}): void {
    this.view.watch(serial, details);
  }

  observeSadp(device: SadpDevice, via: 'hello' | 'probeMatch'): void {
    this.view.observeSadp(device, via);
  }

  async start(): Promise<void> {
    await this.feed?.start();
  }

  pollNow(): Promise<void> {
    return this.view.pollNow();
  }

  async scanNow(): Promise<void> {
    await this.feed?.scanNow();
  }

  settled(): Promise<void> {
    return this.fleet.settled();
  }

  rows(): DeviceRow[] {
    return this.view.rows();
  }

  async stop(): Promise<void> {
    this.view.close();
    await this.feed?.stop();
    await this.fleet.stop();
  }
}
