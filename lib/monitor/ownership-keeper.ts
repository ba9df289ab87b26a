/**
 * What the fleet does about ownership, apart from watching:
 * - re-claims a device that turned inactive when its policy allows it (only once the device's own
 *   poll confirmed it, never on a SADP claim alone);
 * - when a device the vault knows is seen activated while we held it for inactive, tells whose
 *   activation it was before the monitor concludes anything: ours (a re-claim under way, or one
 *   cut short with its password still pending, settled by reconcile) or someone else's, which
 *   flags the vault record needs_attention, so nothing keeps sending a password that cannot work,
 *   and gives one `ownership_lost`.
 * A re-claim that failed (unreachable, refused) is tried again after the next poll that still finds
 * the device inactive, up to MAX_RECLAIM_TRIES in a row; it never costs a login before activation.
 * A re-claim whose outcome is unknown (the activation's answer was lost: the pending password may
 * be on the device) stays "re-claiming" until the device answers a poll: activated, and reconcile
 * tells whose password it has; still inactive, and it is re-claimed again.
 */
import { HikError, ReclaimRefusedError } from '../errors';
import type { Evidence } from '../device-vocabulary';
import type { LoginGuard } from '../isapi/login-guard';
import type { RecorderLink } from '../rotation/dependent-channels';
import type { DeviceLocks } from '../rotation/device-locks';
import { reclaimDevice, type ReclaimOutcome } from '../rotation/reclaim-device';
import { ATTENTION_REASONS, reconcileDevice } from '../rotation/reconcile-device';
import type { CredentialVault } from '../vault/credential-vault';
import type { ActivationMonitor } from './activation-monitor';

const MAX_RECLAIM_TRIES = 3;

/** Who may be re-claimed: a property of the device, set by whoever configures it. */
export interface ReclaimPolicy {
  /** A device the vault knows: the owner allowed re-claiming it. */
  allowed(serial: string): boolean;
  /** A device the vault does not know: the owner listed it to be activated all the same. */
  listed(serial: string): boolean;
  /** Recorders recording the camera, for re-applying its channel password. */
  recorders(serial: string): readonly RecorderLink[];
}

export interface OwnershipKeeperOptions {
  monitor: ActivationMonitor;
  vault: CredentialVault | null;
  reclaim: ReclaimPolicy;
  guard?: LoginGuard | undefined;
  locks?: DeviceLocks | undefined;
  clock?: (() => number) | undefined;
  onReclaim: (outcome: ReclaimOutcome) => void;
  onError: (err: Error, serial: string) => void;
  /** Runs background work so that it is counted and can never end in an unhandled rejection. */
  track: (serial: string, work: () => Promise<unknown>) => void;
}

export class OwnershipKeeper {
  /** Inactive on an unconfirmed claim: re-claim waits for the device's own poll to say so. */
  private readonly awaitingConfirmation = new Set<string>();
  /** Re-claims of a device that failed in a row. */
  private readonly reclaimFailures = new Map<string, number>();
  /** Re-claims that ended without knowing whether the device took the password. */
  private readonly unsettled = new Set<string>();

  constructor(private readonly options: OwnershipKeeperOptions) {}

  /** The device turned inactive; `confirmed` false when its own poll could not say so yet. */
  becameInactive(serial: string, confirmed: boolean): void {
    if (confirmed) this.maybeReclaim(serial);
    else this.awaitingConfirmation.add(serial);
  }

  leftInactive(serial: string): void {
    this.awaitingConfirmation.delete(serial);
    this.reclaimFailures.delete(serial);
  }

  /**
   * Called before a signal saying "activated" reaches the monitor. When the device is held for
   * inactive and the vault knows it, the question "whose activation?" is put to the device (the
   * monitor leaves the device inactive meanwhile) and true is returned.
   */
  activationSeen(serial: string): boolean {
    const { monitor, vault } = this.options;
    if (!vault?.get(serial) || !monitor.believesInactive(serial) || monitor.isReclaiming(serial))
      return false;
    if (this.unsettled.delete(serial)) {
      monitor.setReclaiming(serial, true);
      this.options.track(serial, () => this.settle(serial));
      return true;
    }
    monitor.setReclaiming(serial, true);
    this.options.track(serial, () => this.askOwner(serial));
    return true;
  }

  /** A poll answered for this device (after the monitor took it in). */
  polled(serial: string, result: boolean | null | Error): void {
    if (result === false && this.unsettled.delete(serial)) {
      this.maybeReclaim(serial);
      return;
    }
    if (result === false && this.awaitingConfirmation.delete(serial)) this.maybeReclaim(serial);
  }

  private maybeReclaim(serial: string): void {
    const { vault, reclaim } = this.options;
    if (!vault) return;
    const allowed = vault.get(serial) !== undefined ? reclaim.allowed(serial) : reclaim.listed(serial);
    if (!allowed || !this.options.monitor.get(serial)?.poll) return;
    this.options.track(serial, () =>
      this.reclaim(serial).catch((err: unknown) => this.reclaimFailed(serial, err)),
    );
  }

  /**
   * Re-claims now, because the owner asked (the sidebar's Re-claim): the device must be held for
   * inactive by its own poll, and the vault must know it or the policy list it. Failures are thrown.
   */
  async reclaimNow(serial: string): Promise<ReclaimOutcome> {
    const { vault, monitor, reclaim } = this.options;
    if (!vault || (vault.get(serial) === undefined && !reclaim.listed(serial)))
      throw new ReclaimRefusedError(serial, 'unknown_device');
    if (monitor.get(serial)?.state !== 'inactive' || monitor.isReclaiming(serial))
      throw new ReclaimRefusedError(serial, 'not_inactive');
    return this.reclaim(serial).catch((err: unknown) => {
      this.reclaimFailed(serial, err);
      throw err;
    });
  }

  private async reclaim(serial: string): Promise<ReclaimOutcome> {
    const { vault, reclaim, monitor } = this.options;
    const address = monitor.get(serial)?.poll;
    if (!vault || !address) throw new ReclaimRefusedError(serial, 'unknown_device');
    monitor.setReclaiming(serial, true);
    const outcome = await reclaimDevice({
      vault,
      serial,
      address,
      listed: reclaim.listed(serial),
      sawInactive: true,
      recorders: reclaim.recorders(serial),
      guard: this.options.guard,
      locks: this.options.locks,
      clock: this.options.clock,
    });
    this.reclaimFailures.delete(serial);
    monitor.setVaultKnown(serial, true);
    monitor.describe(serial, { model: outcome.model, firmware: outcome.firmware });
    this.options.onReclaim(outcome);
    monitor.observe(
      serial,
      outcome.result === 'reclaimed'
        ? { kind: 'reclaimed', evidence: outcome.evidence }
        : { kind: 'ownershipLost', evidence: outcome.evidence },
    );
    return outcome;
  }

  private reclaimFailed(serial: string, err: unknown): void {
    if (!HikError.isHikError(err)) throw err;
    const { vault, monitor } = this.options;
    this.options.onError(err, serial);
    if (vault?.get(serial)?.pending) {
      // It may have our password now: an activation seen meanwhile is settled, not judged.
      monitor.setReclaiming(serial, false);
      this.unsettled.add(serial);
      return;
    }
    monitor.setReclaiming(serial, false);
    const failures = (this.reclaimFailures.get(serial) ?? 0) + 1;
    this.reclaimFailures.set(serial, failures);
    if (failures < MAX_RECLAIM_TRIES) this.awaitingConfirmation.add(serial);
  }

  /**
   * Whose activation? Our own would have gone through this fleet (re-claiming) or left a pending
   * password in the vault (a re-claim cut short by a restart): that one is settled by reconcile.
   * Anything else is someone else's: the record is flagged needs_attention, then one
   * `ownership_lost`. A flag that could not be written (disk full) leaves the device inactive, and
   * the next sighting of the activation tries again. No login is spent on the question.
   */
  private async askOwner(serial: string): Promise<void> {
    const { vault, monitor } = this.options;
    const record = vault?.get(serial);
    if (!vault || !record) return;
    if (record.pending) return this.settle(serial);
    if (record.state !== 'needs_attention') {
      try {
        await vault.markNeedsAttention(serial, ATTENTION_REASONS.ownershipLost);
      } catch (err) {
        monitor.setReclaiming(serial, false);
        if (!HikError.isHikError(err)) throw err;
        this.options.onError(err, serial);
        return;
      }
    }
    this.lost(serial, { signal: 'activateStatus', activated: true, reason: 'activated_by_someone_else' });
  }

  /**
   * A pending password may be on the device (our re-claim activated it, its answer was lost):
   * reconcile tells, with at most one refused login, and flags needs_attention when neither works.
   * An inconclusive answer waits for the next poll.
   */
  private async settle(serial: string): Promise<void> {
    const { vault, monitor } = this.options;
    if (!vault) return;
    let resolution: string;
    try {
      const outcome = await reconcileDevice({
        vault,
        serial,
        address: monitor.get(serial)?.poll ?? undefined,
        guard: this.options.guard,
        locks: this.options.locks,
      });
      resolution = outcome.resolution;
    } catch (err) {
      monitor.setReclaiming(serial, false);
      if (!HikError.isHikError(err)) throw err;
      this.unsettled.add(serial);
      this.options.onError(err, serial);
      return;
    }
    const evidence = { signal: 'reconcile', resolution };
    if (resolution === 'needs_attention') this.lost(serial, evidence);
    else monitor.observe(serial, { kind: 'reclaimed', evidence });
  }

  private lost(serial: string, evidence: Evidence): void {
    this.options.monitor.observe(serial, { kind: 'ownershipLost', evidence });
  }
}
