/**
 * Reset detection as a long-lived user runs it (the hik-reset node, `hik-guard watch`): the
 * activation monitor fed by SADP (its own passive listener and scans through the shared sockets,
 * plus sightings handed in) and by the free activateStatus poll; each change goes to `onChange`,
 * to Home Assistant when a link is given (entity state on every change, an alert on alarms), and
 * to the process fleet view. A vault-known device that turns inactive is re-claimed when the owner
 * allowed it for that serial; one activated by a stranger is flagged needs_attention in the vault
 * so nothing keeps sending it a password that cannot work.
 */
import { HikError } from '../errors';
import type { HikGuardAlerts } from '../homeassistant/hik-guard-alerts';
import { readCertificateFingerprint } from '../isapi/certificate-probe';
import type { LoginGuard } from '../isapi/login-guard';
import { DiscoveryService } from '../sadp/discovery-service';
import type { SadpDevice } from '../sadp/sadp-device';
import type { SadpInterface } from '../sadp/sadp-interfaces';
import type { SadpTarget } from '../sadp/sadp-scanner';
import type { SadpSocketSet } from '../sadp/sadp-socket-set';
import type { CredentialVault } from '../vault/credential-vault';
import {
  ActivationMonitor,
  type DeviceChange,
  type MonitoredDevice,
  type PollAddress,
} from './activation-monitor';
import { ActivationPoller } from './activation-poller';
import type { FleetView, FleetViewRow } from './fleet-view';
import type { Evidence } from './monitor-types';
import { OwnershipKeeper, type ReclaimPolicy } from './ownership-keeper';
import type { ReclaimOutcome } from './reclaim-device';
import { SightingGate, type GateDecision, type KnownAddress } from './sighting-gate';

export interface ResetWatchSadp {
  interfaces: readonly SadpInterface[];
  targets?: readonly SadpTarget[];
  /** Scans also ask the group on each interface. Default true; false = the targets only. */
  multicast?: boolean;
  sockets: SadpSocketSet;
  /** Listen for Hellos (a reset device announces itself when it boots). */
  passive: boolean;
  /** 0 = no scans of our own. */
  scanIntervalMs: number;
  port?: number;
}

export interface ResetWatchOptions {
  /** activateStatus poll interval; 0 = no polling. */
  pollIntervalMs: number;
  offlineAfterFailures?: number;
  pollConcurrency?: number;
  sadp?: ResetWatchSadp | null;
  vault?: CredentialVault | null;
  reclaim?: ReclaimPolicy | null;
  alerts?: HikGuardAlerts | null;
  fleetView?: { view: FleetView; id: string } | null;
  /** Default: the process-wide guard. */
  guard?: LoginGuard;
  clock?: () => number;
  onChange: (change: DeviceChange) => void;
  /** Outcomes of re-claims (also reported as changes). */
  onReclaim?: (outcome: ReclaimOutcome) => void;
  onError: (err: Error) => void;
}

export class ResetWatch {
  readonly monitor: ActivationMonitor;
  private readonly poller: ActivationPoller;
  private readonly discovery: DiscoveryService | null;
  private readonly gate: SightingGate;
  /** Devices whose poll address was taken from the vault (a verified move updates the vault). */
  private readonly vaultAddressed = new Set<string>();
  private readonly ownership: OwnershipKeeper;
  private readonly work = new Set<Promise<unknown>>();
  private unregister: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly options: ResetWatchOptions) {
    const vault = options.vault ?? null;
    this.monitor = new ActivationMonitor({
      onChange: (change) => this.changed(change),
      vaultKnows: (serial) => vault?.get(serial) !== undefined,
      ...(options.offlineAfterFailures !== undefined
        ? { offlineAfterFailures: options.offlineAfterFailures }
        : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.poller = new ActivationPoller({
      intervalMs: options.pollIntervalMs,
      targets: () => this.monitor.pollTargets(),
      onResult: (serial, result) => this.polled(serial, result),
      ...(options.pollConcurrency !== undefined ? { concurrency: options.pollConcurrency } : {}),
      ...(options.guard ? { guard: options.guard } : {}),
    });
    this.ownership = new OwnershipKeeper({
      monitor: this.monitor,
      vault,
      reclaim: options.reclaim ?? null,
      guard: options.guard,
      clock: options.clock,
      onReclaim: options.onReclaim,
      onError: (err) => options.onError(err),
      track: (work) => this.track(work),
    });
    this.gate = new SightingGate({
      known: (serial) => this.knownAddress(serial),
      believesInactive: (serial) => this.monitor.get(serial)?.state === 'inactive',
      poll: (serial, address) => this.poller.check({ serial, address }),
      fingerprintAt: (host, port) => readCertificateFingerprint({ host, port }),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const sadp = options.sadp;
    this.discovery = sadp
      ? new DiscoveryService({
          interfaces: sadp.interfaces,
          targets: sadp.targets ?? [],
          ...(sadp.multicast !== undefined ? { multicast: sadp.multicast } : {}),
          intervalMs: sadp.scanIntervalMs,
          passive: sadp.passive,
          sockets: sadp.sockets,
          ...(sadp.port !== undefined ? { port: sadp.port } : {}),
          // `gone` is ignored: a missed SADP reply never makes a device offline.
          onEvents: (events, cause) => {
            const seen = new Map(
              events.filter((e) => e.topic !== 'gone').map((e) => [e.device.serial, e.device]),
            );
            for (const device of seen.values())
              this.observeSadp(device, cause === 'passive' ? 'hello' : 'probeMatch');
          },
          // Unchanged replies are signs of life too.
          onScanned: (devices) => {
            for (const device of devices) this.observeSadp(device, 'probeMatch');
          },
          onError: (err) => options.onError(err),
        })
      : null;
  }

  /** Watches a configured device; `poll` is where its activateStatus is asked. */
  watch(serial: string, details: { name?: string | null; poll?: PollAddress | null } = {}): void {
    this.monitor.watch(serial, details);
  }

  /**
   * A SADP sighting. For a device we manage (configured, or in the vault with an address) it goes
   * through the sighting gate first: SADP alone never moves it, alarms it or starts a re-claim.
   */
  observeSadp(device: SadpDevice, via: 'hello' | 'probeMatch'): void {
    if (this.stopped) return;
    const serial = device.serial;
    if (serial) this.adoptVaultAddress(serial);
    if (!serial || this.knownAddress(serial) === null) {
      this.monitor.observeSadp(device, via);
      return;
    }
    this.track(this.gated({ ...device, serial }, via));
  }

  async start(): Promise<void> {
    const fleet = this.options.fleetView;
    if (fleet) this.unregister = fleet.view.register(fleet.id, () => this.rows());
    this.poller.start();
    await this.discovery?.start();
  }

  /** One poll round now (also what the interval runs). */
  pollNow(): Promise<void> {
    return this.poller.pollNow();
  }

  /** One SADP scan now, when scanning is configured. */
  async scanNow(): Promise<void> {
    if (!this.discovery) return;
    const { devices } = await this.discovery.scan();
    for (const device of devices) this.observeSadp(device, 'probeMatch');
  }

  /** Resolves once the re-claims and vault writes started so far are done. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister?.();
    this.unregister = null;
    await Promise.all([this.poller.stop(), this.discovery?.stop()]);
    await this.settled();
  }

  /** The fleet table: every device with what the vault adds. */
  rows(): FleetViewRow[] {
    return this.monitor.devices().map((device) => this.row(device));
  }

  private row(device: MonitoredDevice): FleetViewRow {
    const record = this.options.vault?.get(device.serial);
    return {
      serial: device.serial,
      name: device.name,
      model: device.model,
      ip: device.ip,
      firmware: device.firmware,
      state: device.state,
      since: device.since,
      lastSeen: device.lastSeen,
      lastRotation: record?.lastRotation ?? null,
      nextRotation: null,
      vaultState: record?.state ?? null,
    };
  }

  private async gated(device: SadpDevice & { serial: string }, via: 'hello' | 'probeMatch'): Promise<void> {
    const decision: GateDecision = await this.gate.decide(device);
    if (this.stopped) return;
    switch (decision.kind) {
      case 'admit':
        this.monitor.observeSadp(device, via, decision.confirmed);
        return;
      case 'spoofed':
        this.monitor.observe(device.serial, { kind: 'spoofed', evidence: decision.evidence });
        return;
      case 'moved':
        await this.follow(device.serial, decision.host, decision.evidence);
        // Now from its known address: the claim itself is looked at like any other.
        this.observeSadp(device, via);
        return;
      case 'drop':
        return;
    }
  }

  /** Where a managed device is known to answer: its configuration, else its vault record. */
  private knownAddress(serial: string): KnownAddress | null {
    const poll = this.monitor.pinnedPoll(serial);
    return poll ? { poll, tlsPin: this.options.vault?.get(serial)?.tlsPin ?? null } : null;
  }

  /** A vault-known device nobody configured is polled where the vault says, not where SADP says. */
  private adoptVaultAddress(serial: string): void {
    const record = this.options.vault?.get(serial);
    if (!record?.host || this.monitor.pinnedPoll(serial)) return;
    const protocol = record.protocol ?? 'https';
    const port = record.port ?? (protocol === 'https' ? 443 : 80);
    this.monitor.watch(serial, { poll: { host: record.host, port, protocol } });
    this.vaultAddressed.add(serial);
  }

  private async follow(serial: string, host: string, evidence: Evidence): Promise<void> {
    this.monitor.relocate(serial, host);
    const vault = this.options.vault;
    if (vault && this.vaultAddressed.has(serial)) {
      try {
        await vault.update(serial, { host });
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        this.options.onError(err);
      }
    }
    this.monitor.observe(serial, { kind: 'moved', evidence });
  }

  private polled(serial: string, result: boolean | null | Error): void {
    this.monitor.observePoll(serial, result);
    this.ownership.polled(serial, result);
  }

  private changed(change: DeviceChange): void {
    if (this.stopped) return;
    this.options.onChange(change);
    this.options.fleetView?.view.changed();
    this.tellHomeAssistant(change);
    if (change.kind !== 'transition') return;
    if (change.from === 'inactive') this.ownership.leftInactive(change.serial);
    if (change.to === 'inactive')
      this.ownership.becameInactive(change.serial, change.evidence.confirmed !== false);
    if (change.to === 'auth_failed' && change.evidence.reason === 'activated_by_someone_else')
      this.ownership.activatedBySomeoneElse(change.serial);
  }

  private tellHomeAssistant(change: DeviceChange): void {
    const alerts = this.options.alerts;
    if (!alerts) return;
    const device = this.monitor.get(change.serial);
    const record = this.options.vault?.get(change.serial);
    const lastRotation = record?.lastRotation ? new Date(record.lastRotation) : null;
    alerts.publishDeviceState({
      serial: change.serial,
      state: change.to,
      name: change.name,
      model: change.model,
      ip: change.ip,
      firmware: device?.firmware ?? null,
      lastSeen: device?.lastSeen ? new Date(device.lastSeen) : null,
      lastRotation,
    });
    if (change.alert) {
      alerts.alert({
        type: change.alert,
        serial: change.serial,
        name: change.name,
        model: change.model,
        ip: change.ip,
        from: change.from,
        to: change.to,
        evidence: change.evidence,
      });
    }
  }

  private track(work: Promise<unknown>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }
}
