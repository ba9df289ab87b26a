/**
 * Discovery as a flow node (or any long-lived user) runs it: scans on demand and on an interval,
 * the passive listener when enabled, and one fleet view that turns both into events. Events of a
 * scan someone asked for are returned to them; the rest (interval scans, Hellos heard, devices
 * gone) go to `onEvents`.
 */
import { InvalidArgumentError, type SadpSocketError } from '../errors';
import type { SadpDevice } from './sadp-device';
import { DiscoveredFleet, type FleetEvent } from './discovered-fleet';
import type { SadpInterface } from './sadp-interfaces';
import { SadpPassiveListener, type SadpSighting } from './sadp-listener';
import { SadpScanner, type SadpScanStats, type SadpTarget } from './sadp-scanner';
import type { SadpSocketSet } from './sadp-socket-set';

export type EventCause = 'scan' | 'passive' | 'expiry';

export interface DiscoveryServiceOptions {
  interfaces: readonly SadpInterface[];
  targets?: readonly SadpTarget[];
  /** Scans also ask the group on each interface. Default: true when interfaces are given. */
  multicast?: boolean;
  windowMs?: number;
  /** Scan every this many ms; 0 = only when asked. */
  intervalMs?: number;
  passive?: boolean;
  goneAfterMs?: number;
  sockets: SadpSocketSet;
  /** 37020; tests may differ. */
  port?: number;
  clock?: () => number;
  onEvents: (events: FleetEvent[], cause: EventCause, sighting?: SadpSighting) => void;
  /** A periodic scan or the listener failed; the service keeps going. */
  onError: (err: SadpSocketError | Error) => void;
  /** After every interval scan, with the whole device list and those that replied to it. */
  onScanned?: (devices: SadpDevice[], answered: SadpDevice[]) => void;
  /** Which of the targets an interval scan asks (default: all); a scan asked for asks all. */
  targetsToScan?: (targets: readonly SadpTarget[]) => readonly SadpTarget[];
}

export interface ScanOutcome {
  /** Every device the service knows (seen within `goneAfterMs`). */
  devices: SadpDevice[];
  /** The devices that replied to this scan: a device in `devices` only may be gone by now. */
  answered: SadpDevice[];
  events: FleetEvent[];
  /** Present for the caller that started the scan. */
  stats?: SadpScanStats;
}

export class DiscoveryService {
  readonly fleet: DiscoveredFleet;
  private readonly scanner: SadpScanner;
  private readonly listener: SadpPassiveListener | null;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private running: Promise<ScanOutcome> | null = null;

  constructor(private readonly options: DiscoveryServiceOptions) {
    const intervalMs = options.intervalMs ?? 0;
    if (!Number.isInteger(intervalMs) || intervalMs < 0)
      throw new InvalidArgumentError('intervalMs must be a whole number >= 0');
    this.fleet = new DiscoveredFleet({
      goneAfterMs: options.goneAfterMs,
      clock: options.clock,
    });
    this.scanner = new SadpScanner({
      interfaces: options.interfaces,
      multicast: options.multicast ?? options.interfaces.length > 0,
      targets: options.targets ?? [],
      sockets: options.sockets,
      windowMs: options.windowMs,
      port: options.port,
    });
    this.listener = options.passive
      ? new SadpPassiveListener({
          interfaces: options.interfaces,
          sockets: options.sockets,
          onSighting: (s) => this.report(this.fleet.sighted(s.device), 'passive', s),
          onError: options.onError,
          port: options.port,
        })
      : null;
  }

  get passiveListening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** Starts the passive listener and the timers; the first interval scan runs at once. */
  async start(): Promise<void> {
    await this.listener?.start();
    const intervalMs = this.options.intervalMs ?? 0;
    if (intervalMs > 0) {
      this.timers.push(setInterval(() => this.scanInBackground(), intervalMs));
      this.scanInBackground();
    }
    if (this.listener) {
      // Passive-only users still need `gone`: check a few times per expiry period.
      const every = Math.max(1_000, Math.floor((this.options.goneAfterMs ?? 45_000) / 4));
      this.timers.push(setInterval(() => this.report(this.fleet.expire(), 'expiry'), every));
    }
  }

  /**
   * One scan (of `targets`, default all), its events returned to the caller. A call while a scan
   * runs waits for that one and gets its device list but no events: those went to whoever
   * started it.
   */
  async scan(targets: readonly SadpTarget[] = this.options.targets ?? []): Promise<ScanOutcome> {
    if (this.running) {
      const { devices, answered } = await this.running;
      return { devices, answered, events: [] };
    }
    this.running = this.runScan(targets).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runScan(targets: readonly SadpTarget[]): Promise<ScanOutcome> {
    const result = await this.scanner.scan(targets);
    const events = this.stopped ? [] : this.fleet.scanned(result.devices);
    return { devices: this.fleet.devices(), answered: result.devices, events, stats: result.stats };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.all([this.scanner.close(), this.listener?.stop()]);
  }

  private scanInBackground(): void {
    const targets = this.options.targets ?? [];
    this.scan(this.options.targetsToScan?.(targets) ?? targets).then(
      (outcome) => {
        this.report(outcome.events, 'scan');
        if (outcome.stats && !this.stopped) this.options.onScanned?.(outcome.devices, outcome.answered);
      },
      (err: unknown) => {
        if (!this.stopped) this.options.onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private report(events: FleetEvent[], cause: EventCause, sighting?: SadpSighting): void {
    if (events.length > 0 && !this.stopped) this.options.onEvents(events, cause, sighting);
  }
}
