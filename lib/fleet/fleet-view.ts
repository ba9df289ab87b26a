/**
 * One user's view of the fleet (a hik-reset node, `hik-guard watch`): the devices it watches and
 * the policy it brings for them (re-claim allowed, recorder, serials listed for activation), the
 * Home Assistant link it tells, and the changes it hears. A view owns no device state: closing it
 * (a redeploy) leaves every device's state, poll memory and alert memory in the fleet.
 */
import type { HikGuardAlerts } from '../homeassistant/hik-guard-alerts';
import {
  countStates,
  type DeviceChange,
  type MonitorCounts,
  type WatchDetails,
} from '../monitor/activation-monitor';
import type { RecorderLink } from '../rotation/dependent-channels';
import type { ReclaimPolicy } from '../monitor/ownership-keeper';
import type { ReclaimOutcome } from '../rotation/reclaim-device';
import type { SadpDevice } from '../sadp/sadp-device';
import type { DeviceRow, Fleet } from './fleet';

export interface FleetViewOptions {
  /** activateStatus poll interval this view wants for its devices; 0 = only when asked. */
  pollIntervalMs: number;
  /** The Home Assistant link that hears about this view's devices (`key`: its config id). */
  link?: { key: string; alerts: HikGuardAlerts } | null | undefined;
  onChange?: ((change: DeviceChange) => void) | undefined;
  /** Outcomes of re-claims of this view's devices (also heard as changes). */
  onReclaim?: ((outcome: ReclaimOutcome) => void) | undefined;
  /** Re-claim policy beyond what `watch` says, asked when it matters (one-owner processes). */
  policy?: Partial<ReclaimPolicy> | undefined;
  /** Background failures about this view's devices. Without it they go to the fleet's onError. */
  onError?: ((err: Error) => void) | undefined;
}

/** What a view says about a device it watches. */
export interface WatchPolicy extends WatchDetails {
  /** Re-claim it when it turns inactive (the owner's opt-in). */
  reclaim?: boolean | undefined;
  /** A recorder: its channels get a re-claimed camera's new password. */
  recorder?: boolean | undefined;
}

export class FleetView {
  readonly pollIntervalMs: number;
  readonly linkKey: string | null;
  /** Devices watched (configured) or seen through this view (its SADP, its input). */
  private readonly devices = new Set<string>();
  private readonly reclaimAllowed = new Set<string>();
  private readonly listed = new Set<string>();
  private readonly recorderLinks = new Map<string, RecorderLink>();
  private closed = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly options: FleetViewOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs;
    this.linkKey = options.link?.key ?? null;
  }

  /** Watches a configured device: polled where `poll` says, with this view's policy for it. */
  watch(serial: string, policy: WatchPolicy = {}): void {
    this.fleet.monitor.watch(serial, policy);
    if (policy.reclaim) this.reclaimAllowed.add(serial);
    if (policy.recorder && policy.poll)
      this.recorderLinks.set(serial, { serial, address: { ...policy.poll } });
    this.gain(serial);
  }

  /** Serials the vault does not know that a re-claim may still activate (the owner listed them). */
  listForActivation(serials: Iterable<string>): void {
    for (const serial of serials) this.listed.add(serial);
  }

  /**
   * A SADP sighting from this view's listener or input. `adopt` (default true): a device this
   * view does not watch yet becomes one of its devices; false: the fleet learns of it (the views
   * that watch it hear), this view does not take it on.
   */
  observeSadp(device: SadpDevice, via: 'hello' | 'probeMatch', adopt = true): void {
    if (this.closed) return;
    if (device.serial && adopt) this.gain(device.serial);
    this.fleet.observeSadp(device, via);
  }

  /** This view's devices, as the fleet table shows them. */
  rows(): DeviceRow[] {
    return this.fleet.rows(this.devices);
  }

  counts(): MonitorCounts {
    return countStates(this.rows().map((row) => row.state));
  }

  pollNow(): Promise<void> {
    return this.fleet.pollNow();
  }

  /** Hosts where a device (of any view) answered its last poll. */
  hostsAnsweringPolls(): Set<string> {
    return this.fleet.monitor.hostsAnsweringPolls();
  }

  settled(): Promise<void> {
    return this.fleet.settled();
  }

  /** Stops hearing; the devices' state stays with the fleet. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fleet.closeView(this);
  }

  get watchedCount(): number {
    return this.devices.size;
  }

  // ---- asked by the fleet --------------------------------------------------------------------

  cares(serial: string): boolean {
    return !this.closed && this.devices.has(serial);
  }

  reclaims(serial: string): boolean {
    if (this.closed) return false;
    return this.reclaimAllowed.has(serial) || (this.options.policy?.allowed?.(serial) ?? false);
  }

  lists(serial: string): boolean {
    if (this.closed) return false;
    return this.listed.has(serial) || (this.options.policy?.listed?.(serial) ?? false);
  }

  /** Recorders that follow the password of `serial`. */
  recorders(serial: string): RecorderLink[] {
    if (this.closed) return [];
    return [...this.recorderLinks.values(), ...(this.options.policy?.recorders?.(serial) ?? [])];
  }

  get takesErrors(): boolean {
    return this.options.onError !== undefined;
  }

  heard(change: DeviceChange): void {
    this.options.onChange?.(change);
  }

  reclaimed(outcome: ReclaimOutcome): void {
    this.options.onReclaim?.(outcome);
  }

  failed(err: Error): void {
    this.options.onError?.(err);
  }

  private gain(serial: string): void {
    if (this.devices.has(serial)) return;
    this.devices.add(serial);
    this.fleet.viewsChanged();
    this.fleet.publishTo(this, serial);
  }
}
