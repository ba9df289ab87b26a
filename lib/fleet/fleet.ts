/**
 * The fleet: every device of one runtime (a Node-RED process and its vault, or one CLI process),
 * keyed by serial, with exactly one owner of each thing about it: its activation state machine
 * and poll (ActivationMonitor, ActivationPoller), the sighting gate between SADP and that state,
 * ownership and re-claim (OwnershipKeeper, with the device's re-claim policy), its rotation plan
 * and next rotation, the recorders that follow its password, and the alerts each Home Assistant
 * link was told (HomeAssistantSink, AlertMemory).
 *
 * Nodes and the CLI do not own devices: they open a view (FleetView) to watch devices, hand in
 * sightings, and hear changes. Several views of one camera share one state machine and one poll,
 * and one transition gives one alert per link. The fleet outlives the views, so a redeploy keeps
 * every device's state. Background work never ends in an unhandled rejection: every failure is
 * reported to the views of its device, or to `onError`.
 */
import type { AuditReport, Finding } from '../audit/finding';
import { worstSeverity, type Severity } from '../audit/finding';
import { FindingsStore } from '../audit/findings-store';
import type { Evidence, ResultKind, ResultReason } from '../device-vocabulary';
import { trace } from '../diagnostics';
import { HikError, NotManagedError } from '../errors';
import type { DeviceSnapshot } from '../homeassistant/device-entity';
import type { HikGuardAlerts } from '../homeassistant/hik-guard-alerts';
import { readCertificateFingerprint } from '../isapi/certificate-probe';
import type { LoginGuard } from '../isapi/login-guard';
import { ActivationMonitor, type DeviceChange, type MonitoredDevice } from '../monitor/activation-monitor';
import { ActivationPoller } from '../monitor/activation-poller';
import { OwnershipKeeper } from '../monitor/ownership-keeper';
import { SightingGate, type KnownAddress } from '../monitor/sighting-gate';
import type { RecorderLink } from '../rotation/dependent-channels';
import type { DeviceLocks } from '../rotation/device-locks';
import type { ReclaimOutcome } from '../rotation/reclaim-device';
import type { SadpDevice } from '../sadp/sadp-device';
import type { CredentialVault } from '../vault/credential-vault';
import { AlertMemory } from './alert-memory';
import { FleetView, type FleetViewOptions } from './fleet-view';
import { HomeAssistantSink } from './home-assistant-sink';

export interface FleetOptions {
  /** The vault of this runtime; null when it cannot be opened (no re-claim, no vault facts). */
  vault: CredentialVault | null;
  /** Default: in this process only. */
  memory?: AlertMemory | undefined;
  /** The last audit report per device. Default: in this process only. */
  findings?: FindingsStore | undefined;
  guard?: LoginGuard | undefined;
  locks?: DeviceLocks | undefined;
  pollConcurrency?: number | undefined;
  /** Polls without an answer, in a row, before `offline` (a watcher may ask per device). Default 3. */
  offlineAfterFailures?: number | undefined;
  clock?: (() => number) | undefined;
  /** Failures of background work that no view of the device took. */
  onError: (err: Error) => void;
}

/**
 * One row of the fleet table: what every display shows about a device (what the monitor knows,
 * plus the vault and the rotation plan). Never a secret.
 */
export interface DeviceRow extends Omit<MonitoredDevice, 'poll'> {
  lastRotation: string | null;
  nextRotation: string | null;
  /** The node that rotates it (a hik-credentials node id), or null. */
  rotationOwner: string | null;
  /** The vault record's state, or null when the device is not enrolled. */
  vaultState: string | null;
  /**
   * Holders of the device's password still on an old one, for people ("recorder channel 3"):
   * hik guard retries them; empty when every consumer is in step.
   */
  outOfDate: string[];
  /** The last security audit (or SADP triage), or null when there was none. */
  audit?: DeviceAudit | null;
}

/** A device's last audit as displays show it: the worst severity first, each finding with its fix. */
export interface DeviceAudit {
  auditedAt: string;
  source: 'isapi' | 'sadp';
  worst: Severity | null;
  findings: Finding[];
  /** Checks the firmware did not allow (never a pass). */
  notChecked: number;
}

/** What the rotation's owner does when asked from elsewhere (sidebar, Home Assistant button). */
export type CredentialAction = 'rotate' | 'verify';

/** The answer to an action: what the owner's own output says, without a password. */
export interface ActionResult {
  serial: string;
  result: ResultKind;
  reason: ResultReason | null;
  rotatedAt: string | null;
  nextRotation: string | null;
}

/** The owner of a device's rotation: who it is, when it rotates next, and how to ask it to act. */
export interface RotationPlan {
  owner: string;
  next: () => Date | null;
  act: (action: CredentialAction) => Promise<ActionResult>;
  /** Audits the device now, read-only, with the owner's vault password (the owner records it). */
  audit?: () => Promise<AuditReport>;
}

export class Fleet {
  readonly monitor: ActivationMonitor;
  readonly vault: CredentialVault | null;
  private readonly poller: ActivationPoller;
  private readonly gate: SightingGate;
  private readonly ownership: OwnershipKeeper;
  private readonly memory: AlertMemory;
  private readonly findings: FindingsStore;
  private readonly views = new Set<FleetView>();
  private readonly sinks = new Map<string, HomeAssistantSink>();
  private readonly rotations = new Map<string, RotationPlan[]>();
  private readonly listeners = new Set<() => void>();
  private readonly changeListeners = new Set<(change: DeviceChange) => void>();
  /** Devices whose poll address was taken from the vault (a verified move updates the vault). */
  private readonly vaultAddressed = new Set<string>();
  /** Devices already told as needs_attention by a credential operation. */
  private readonly flagged = new Set<string>();
  /** The error code the last operation on a device's password failed with (until one succeeds). */
  private readonly failures = new Map<string, string>();
  /** Consumers of a device's password still out of date, as its rotation owner last found them. */
  private readonly outOfDate = new Map<string, string[]>();
  private readonly work = new Set<Promise<void>>();
  private readonly stopHooks: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: FleetOptions) {
    this.vault = options.vault;
    this.memory = options.memory ?? AlertMemory.inMemory();
    this.findings = options.findings ?? FindingsStore.inMemory();
    this.monitor = new ActivationMonitor({
      onChange: (change) => this.changed(change),
      vaultKnows: (serial) => this.vault?.get(serial) !== undefined,
      offlineAfterFailures: options.offlineAfterFailures,
      clock: options.clock,
    });
    this.poller = new ActivationPoller({
      intervalMs: 0,
      targets: () => this.monitor.pollTargets().filter((t) => this.isWatched(t.serial)),
      onResult: (serial, result) => this.guarded(serial, () => this.polled(serial, result)),
      concurrency: options.pollConcurrency,
      guard: options.guard,
    });
    this.ownership = new OwnershipKeeper({
      monitor: this.monitor,
      vault: this.vault,
      reclaim: {
        allowed: (serial) => this.someView((v) => v.reclaims(serial)),
        listed: (serial) => this.someView((v) => v.lists(serial)),
        recorders: (serial) => this.recordersFor(serial),
      },
      guard: options.guard,
      locks: options.locks,
      clock: options.clock,
      onReclaim: (outcome) => this.reclaimed(outcome),
      onError: (err, serial) => this.fail(err, serial),
      track: (serial, work) => this.track(serial, work),
    });
    this.gate = new SightingGate({
      known: (serial) => this.knownAddress(serial),
      believesInactive: (serial) => this.monitor.get(serial)?.state === 'inactive',
      believesOffline: (serial) => this.monitor.get(serial)?.state === 'offline',
      poll: (serial, address) => this.poller.check({ serial, address }),
      fingerprintAt: (host, port) => readCertificateFingerprint({ host, port }),
      clock: options.clock,
    });
    this.poller.start();
  }

  /** A view for one node (or the CLI): what it watches, the link it tells, what it hears. */
  view(options: FleetViewOptions): FleetView {
    const view = new FleetView(this, options);
    this.views.add(view);
    if (options.link) this.attachLink(options.link);
    return view;
  }

  /** Something told about a device outside the monitor's own sources (deviceInfo, discovery). */
  describe(
    serial: string,
    details: { model?: string | null; firmware?: string | null; mac?: string | null },
  ): void {
    this.monitor.describe(serial, details);
  }

  /**
   * `owner` rotates this device and `next` tells when it will next (the scheduler's answer).
   * Returns the function that withdraws the plan. The first plan registered is the one shown.
   */
  planRotation(serial: string, plan: RotationPlan): () => void {
    this.rotations.set(serial, [...(this.rotations.get(serial) ?? []), plan]);
    this.notify();
    return () => {
      const left = (this.rotations.get(serial) ?? []).filter((p) => p !== plan);
      if (left.length > 0) this.rotations.set(serial, left);
      else this.rotations.delete(serial);
      this.notify();
    };
  }

  /** The node that rotates the device, or null. */
  rotationOwner(serial: string): string | null {
    return this.rotations.get(serial)?.[0]?.owner ?? null;
  }

  nextRotation(serial: string): Date | null {
    return this.rotations.get(serial)?.[0]?.next() ?? null;
  }

  /**
   * Asks the device's rotation owner to rotate or verify it now, with all its protections (vault,
   * locks, login guard), and answers its result. Throws NotManagedError when nobody rotates it.
   */
  async act(serial: string, action: CredentialAction): Promise<ActionResult> {
    const plan = this.rotations.get(serial)?.[0];
    if (!plan) throw new NotManagedError(serial);
    const result = await plan.act(action);
    this.notify();
    return result;
  }

  /**
   * What an operation on the device's password concluded (rotation, verify, reconcile): a
   * password that opened it says it is active; a record marked needs_attention is told as such;
   * a failure is remembered by its error code (`evidence.reason`) until an operation succeeds.
   */
  reportCredentialResult(
    serial: string,
    result: 'verified' | 'needs_attention' | 'failed',
    evidence: Evidence,
  ): void {
    if (result === 'failed') {
      this.failures.set(serial, typeof evidence.reason === 'string' ? evidence.reason : 'HIK_ERR');
      this.notify();
      return;
    }
    this.failures.delete(serial);
    if (result === 'verified') {
      this.flagged.delete(serial);
      this.monitor.observe(serial, { kind: 'verification', result: 'ok' });
    } else if (!this.flagged.has(serial)) {
      // Told once: asking again about a flagged device (Verify, status) is not a new alarm.
      this.flagged.add(serial);
      this.monitor.observe(serial, { kind: 'needsAttention', evidence });
    }
    this.notify();
  }

  /**
   * A rotation changed the device's password (`account`): tells every view and Home Assistant
   * (hik_guard_event `credential_changed`, MQTT's event entity) which consumers were updated and
   * which were not, never a password; those not updated show on the row until they are.
   */
  credentialChanged(
    serial: string,
    change: { account: string; updated: string[]; notUpdated: string[] },
  ): void {
    this.outOfDate.set(serial, change.notUpdated);
    this.monitor.observe(serial, {
      kind: 'credentialChanged',
      evidence: {
        account: change.account,
        consumers_updated: change.updated.join(', '),
        consumers_not_updated: change.notUpdated.join(', '),
      },
    });
    this.notify();
  }

  /** What the rotation owner found out of date now (after a retry): shown on the row and in HA. */
  reportOutOfDate(serial: string, parts: string[]): void {
    const before = this.outOfDate.get(serial) ?? [];
    if (before.join('\n') === parts.join('\n')) return;
    if (parts.length > 0) this.outOfDate.set(serial, parts);
    else this.outOfDate.delete(serial);
    const snapshot = this.snapshot(serial);
    for (const sink of this.sinksOf(this.viewsOf(serial))) sink.publish(snapshot);
    this.notify();
  }

  /**
   * The error code the last rotation, verify or reconcile of the device failed with (e.g.
   * `HIK_ERR_CERT_CHANGED`, which its owner may answer by re-pinning), or null.
   */
  lastFailure(serial: string): string | null {
    return this.failures.get(serial) ?? null;
  }

  /** The owner trusted the device's new certificate (lib/rotation/repin-certificate.ts). */
  certificateRepinned(serial: string): void {
    if (this.failures.get(serial) === 'HIK_ERR_CERT_CHANGED') this.failures.delete(serial);
    this.notify();
  }

  /**
   * A device's audit report (lib/audit). Stored per serial; a critical finding not in the previous
   * report raises one `security_finding` event (not one per audit). A SADP triage never replaces a
   * report made with a login.
   */
  recordAudit(report: AuditReport): void {
    if (this.stopped) return;
    const before = this.findings.get(report.serial);
    if (report.source === 'sadp' && before?.source === 'isapi') return;
    const known = new Set(before?.findings.filter((f) => f.severity === 'critical').map((f) => f.id) ?? []);
    this.findings.set(report);
    const fresh = report.findings.filter((f) => f.severity === 'critical' && !known.has(f.id));
    // An event updates the entity on its way; without one the entity is updated here.
    if (fresh.length === 0) {
      const snapshot = this.snapshot(report.serial);
      for (const sink of this.sinksOf(this.viewsOf(report.serial))) sink.publish(snapshot);
    }
    for (const finding of fresh) this.raiseFinding(report.serial, finding);
    this.notify();
  }

  /** The device's last audit report, or null. */
  lastAudit(serial: string): AuditReport | null {
    return this.findings.get(serial);
  }

  /** Asks the device's owner to audit it now (the sidebar); NotManagedError when nobody can. */
  async auditNow(serial: string): Promise<AuditReport> {
    const plan = this.rotations.get(serial)?.find((p) => p.audit);
    if (!plan?.audit) throw new NotManagedError(serial);
    return plan.audit();
  }

  /** Every device anyone watches, plans to rotate, or saw; or just `serials`. Sorted by serial. */
  rows(serials?: Iterable<string>): DeviceRow[] {
    const wanted = serials ? new Set(serials) : null;
    const all = new Set([...this.monitor.devices().map((d) => d.serial), ...this.rotations.keys()]);
    return [...all]
      .filter((serial) => !wanted || wanted.has(serial))
      .sort()
      .map((serial) => this.row(serial));
  }

  row(serial: string): DeviceRow {
    const device = this.monitor.get(serial);
    const record = this.vault?.get(serial);
    return {
      serial,
      name: device?.name ?? null,
      model: device?.model ?? null,
      ip: device?.ip ?? record?.host ?? null,
      firmware: device?.firmware ?? null,
      mac: device?.mac ?? null,
      state: device?.state ?? 'unknown',
      since: device?.since ?? new Date(this.now()).toISOString(),
      unconfirmed: device?.unconfirmed ?? false,
      lastSeen: device?.lastSeen ?? null,
      lastRotation: record?.lastRotation ?? null,
      nextRotation: this.nextRotation(serial)?.toISOString() ?? null,
      rotationOwner: this.rotationOwner(serial),
      vaultState: record?.state ?? null,
      outOfDate: this.outOfDate.get(serial) ?? [],
      audit: this.auditOf(serial),
    };
  }

  private auditOf(serial: string): DeviceAudit | null {
    const report = this.findings.get(serial);
    if (!report) return null;
    return {
      auditedAt: report.auditedAt,
      source: report.source,
      worst: worstSeverity(report.findings),
      findings: report.findings,
      notChecked: report.checks.filter((c) => c.status === 'not_checked').length,
    };
  }

  /** One `security_finding` event for a new critical finding, through the usual change path. */
  private raiseFinding(serial: string, finding: Finding): void {
    const device = this.monitor.get(serial);
    const state = device?.state ?? 'unknown';
    const at = new Date(this.now()).toISOString();
    this.changed({
      kind: 'event',
      event: 'security_finding',
      from: state,
      to: state,
      evidence: {
        finding: finding.id,
        severity: finding.severity,
        title: finding.title,
        confidence: finding.confidence,
      },
      at,
      alert: 'security_finding',
      serial,
      name: device?.name ?? null,
      model: device?.model ?? null,
      ip: device?.ip ?? null,
      since: device?.since ?? at,
    });
  }

  /**
   * Whether an open view holds the device (watched or seen through it) or a rotation owner plans
   * for it: what a display that follows the flows lists (a device in neither was removed).
   */
  isListed(serial: string): boolean {
    return this.isWatched(serial) || this.rotations.has(serial);
  }

  /**
   * Hears every change of every device (a transition or an event, with its alert type), for sinks
   * that cover the whole fleet (MQTT discovery). Returns the unsubscribe.
   */
  subscribe(listener: (change: DeviceChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Calls `listener` after anything in the table may have changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Re-claims an inactive device now, because its owner asked (the sidebar): the same write-ahead
   * re-claim as the automatic one; refused with ReclaimRefusedError when the device's own poll does
   * not hold it for inactive, or the vault does not know it.
   */
  reclaimNow(serial: string): Promise<ReclaimOutcome> {
    return this.ownership.reclaimNow(serial);
  }

  /** One poll round of every watched device now (also what the interval runs). */
  pollNow(): Promise<void> {
    return this.poller.pollNow();
  }

  /** Resolves once the background work started so far (re-claims, gate checks, vault writes) ended. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.memory.flushed();
    await this.findings.flushed();
  }

  /** Ends polling and waits for the work under way (the CLI on exit; a runtime whose vault closed). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const hook of this.stopHooks.splice(0)) hook();
    await this.poller.stop();
    await this.settled();
  }

  /** How many views are open (nodes watching through this fleet). */
  get viewCount(): number {
    return this.views.size;
  }

  /** Runs `hook` when the fleet stops (to unsubscribe what feeds it). */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // ---- used by FleetView ---------------------------------------------------------------------

  /** @internal A view's devices or poll wishes changed: the poll interval follows the views. */
  viewsChanged(): void {
    const wanted = [...this.views]
      .filter((v) => v.watchedCount > 0 && v.pollIntervalMs > 0)
      .map((v) => v.pollIntervalMs);
    this.poller.setIntervalMs(wanted.length > 0 ? Math.min(...wanted) : 0);
    this.notify();
  }

  /** @internal */
  closeView(view: FleetView): void {
    this.views.delete(view);
    const key = view.linkKey;
    if (key !== null && ![...this.views].some((v) => v.linkKey === key)) this.sinks.delete(key);
    this.viewsChanged();
  }

  /**
   * @internal A SADP sighting. For a device we manage (configured, or in the vault with an
   * address) it goes through the sighting gate first: SADP alone never moves it, alarms it or
   * starts a re-claim.
   */
  observeSadp(device: SadpDevice, via: 'hello' | 'probeMatch'): void {
    if (this.stopped) return;
    const serial = device.serial;
    if (serial) this.adoptVaultAddress(serial);
    if (!serial || this.knownAddress(serial) === null) {
      if (serial && device.activated === true) this.ownership.activationSeen(serial);
      this.monitor.observeSadp(device, via);
      return;
    }
    this.track(serial, () => this.gated({ ...device, serial }, via));
  }

  /** @internal Runs background work for `serial`, counted, with every failure reported. */
  track(serial: string | null, work: () => Promise<unknown>): void {
    const run = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (err: unknown) => this.fail(err, serial),
      );
    this.work.add(run);
    void run.then(() => this.work.delete(run));
  }

  // ---- internals -----------------------------------------------------------------------------

  private async gated(device: SadpDevice & { serial: string }, via: 'hello' | 'probeMatch'): Promise<void> {
    const decision = await this.gate.decide(device);
    if (this.stopped) return;
    trace('fleet', 'sighting', { serial: device.serial, via, decision: decision.kind });
    switch (decision.kind) {
      case 'admit':
        if (device.activated === true) this.ownership.activationSeen(device.serial);
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
    return poll ? { poll, tlsPin: this.vault?.get(serial)?.tlsPin ?? null } : null;
  }

  /** A vault-known device nobody configured is polled where the vault says, not where SADP says. */
  private adoptVaultAddress(serial: string): void {
    const record = this.vault?.get(serial);
    if (!record?.host || this.monitor.pinnedPoll(serial)) return;
    const protocol = record.protocol ?? 'https';
    const port = record.port ?? (protocol === 'https' ? 443 : 80);
    this.monitor.watch(serial, { poll: { host: record.host, port, protocol } });
    this.vaultAddressed.add(serial);
  }

  private async follow(serial: string, host: string, evidence: Evidence): Promise<void> {
    this.monitor.relocate(serial, host);
    if (this.vault && this.vaultAddressed.has(serial)) {
      try {
        await this.vault.update(serial, { host });
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        this.fail(err, serial);
      }
    }
    this.monitor.observe(serial, { kind: 'moved', evidence });
  }

  private polled(serial: string, result: boolean | null | Error): void {
    if (result === true) this.ownership.activationSeen(serial);
    this.monitor.observePoll(serial, result);
    this.ownership.polled(serial, result);
  }

  private changed(change: DeviceChange): void {
    if (this.stopped) return;
    trace('fleet', change.kind, {
      serial: change.serial,
      from: change.from,
      to: change.to,
      event: change.event,
      alert: change.alert,
    });
    const views = this.viewsOf(change.serial);
    for (const view of views) view.heard(change);
    const snapshot = this.snapshot(change.serial);
    for (const sink of this.sinksOf(views)) sink.changed(change, snapshot);
    for (const listener of this.changeListeners) listener(change);
    this.notify();
    if (change.kind !== 'transition') return;
    if (change.from === 'inactive') this.ownership.leftInactive(change.serial);
    if (change.to === 'inactive')
      this.ownership.becameInactive(change.serial, change.evidence.confirmed !== false);
  }

  private reclaimed(outcome: ReclaimOutcome): void {
    for (const view of this.viewsOf(outcome.serial)) view.reclaimed(outcome);
  }

  private attachLink(link: { key: string; alerts: HikGuardAlerts }): void {
    const sink = this.sinks.get(link.key);
    if (sink?.alerts === link.alerts) return;
    if (sink) sink.alerts = link.alerts;
    else this.sinks.set(link.key, new HomeAssistantSink(link.key, link.alerts, this.memory));
  }

  /** @internal A view gained a device: a link it tells learns the device's state at once. */
  publishTo(view: FleetView, serial: string): void {
    const key = view.linkKey;
    const sink = key === null ? undefined : this.sinks.get(key);
    const device = this.monitor.get(serial);
    if (sink && device && device.state !== 'unknown') sink.publish(this.snapshot(serial));
  }

  private snapshot(serial: string): DeviceSnapshot {
    const row = this.row(serial);
    const date = (iso: string | null): Date | null => (iso ? new Date(iso) : null);
    return {
      serial,
      state: row.state,
      name: row.name,
      model: row.model,
      ip: row.ip,
      firmware: row.firmware,
      lastSeen: date(row.lastSeen),
      lastRotation: date(row.lastRotation),
      nextRotation: date(row.nextRotation),
      unconfirmed: row.unconfirmed,
      outOfDate: row.outOfDate,
      audit: row.audit && {
        auditedAt: row.audit.auditedAt,
        worst: row.audit.worst,
        findings: row.audit.findings.map(({ id, severity }) => ({ id, severity })),
      },
    };
  }

  private viewsOf(serial: string): FleetView[] {
    return [...this.views].filter((v) => v.cares(serial));
  }

  private sinksOf(views: readonly FleetView[]): HomeAssistantSink[] {
    const keys = new Set(views.map((v) => v.linkKey).filter((k): k is string => k !== null));
    return [...keys].flatMap((k) => this.sinks.get(k) ?? []);
  }

  private isWatched(serial: string): boolean {
    return this.someView((v) => v.cares(serial));
  }

  private someView(test: (view: FleetView) => boolean): boolean {
    for (const view of this.views) if (test(view)) return true;
    return false;
  }

  private recordersFor(serial: string): RecorderLink[] {
    const bySerial = new Map<string, RecorderLink>();
    for (const view of this.views)
      for (const link of view.recorders(serial)) if (link.serial !== serial) bySerial.set(link.serial, link);
    return [...bySerial.values()];
  }

  /** Reports a failure to the views of the device (or `onError`); never throws. */
  private fail(err: unknown, serial: string | null): void {
    const error = err instanceof Error ? err : new Error(String(err));
    trace('fleet', 'failure', { serial, code: HikError.isHikError(error) ? error.code : error.name });
    const takers = serial === null ? [] : this.viewsOf(serial).filter((v) => v.takesErrors);
    for (const view of takers) {
      try {
        view.failed(error);
      } catch (reportErr) {
        this.options.onError(reportErr instanceof Error ? reportErr : new Error(String(reportErr)));
      }
    }
    if (takers.length === 0) this.options.onError(error);
  }

  private guarded(serial: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.fail(err, serial);
    }
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.options.onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
