/**
 * What the reset watch does about ownership, apart from watching: re-claims a device that turned
 * inactive when the owner allowed it (only once the device's own poll confirmed it, never on a
 * SADP claim alone), and when a device we held the password of was activated by someone else,
 * flags its vault record needs_attention so nothing keeps sending a password that cannot work.
 * A re-claim that failed (unreachable, refused) is tried again after the next poll that still finds
 * the device inactive, up to MAX_RECLAIM_TRIES in a row; it never costs a login before activation.
 * A re-claim whose outcome is unknown (the activation's answer was lost: the pending password
 * may be on the device) stays "re-claiming" until the device answers a poll: activated, and
 * reconcile tells whose password it has; still inactive, and it is re-claimed again. An
 * activation seen while a pending password is unresolved (e.g. after a restart) is settled the
 * same way instead of being called a loss. A flag that could not be written (disk full) is tried
 * again on the next poll.
 */
import { HikError } from '../errors';
import type { LoginGuard } from '../isapi/login-guard';
import type { RecorderLink } from '../rotation/dependent-channels';
import { reconcileDevice } from '../rotation/reconcile-device';
import type { CredentialVault } from '../vault/credential-vault';
import type { ActivationMonitor } from './activation-monitor';
import { OWNERSHIP_LOST_REASON, reclaimDevice, type ReclaimOutcome } from './reclaim-device';

const MAX_RECLAIM_TRIES = 3;

export interface ReclaimPolicy {
  /** Vault-known serials the owner allowed to be re-claimed. */
  allowed: ReadonlySet<string>;
  /** Serials the vault does not know that may still be activated (the owner listed them). */
  listed: ReadonlySet<string>;
  /** Recorders recording a camera, for re-applying its channel password. */
  recorders?: (serial: string) => readonly RecorderLink[];
}

export interface OwnershipKeeperOptions {
  monitor: ActivationMonitor;
  vault: CredentialVault | null;
  reclaim: ReclaimPolicy | null;
  guard?: LoginGuard | undefined;
  clock?: (() => number) | undefined;
  onReclaim?: ((outcome: ReclaimOutcome) => void) | undefined;
  onError: (err: Error) => void;
  /** Keeps background work countable (the watch's `settled`). */
  track: (work: Promise<unknown>) => void;
}

export class OwnershipKeeper {
  /** Inactive on an unconfirmed claim: re-claim waits for the device's own poll to say so. */
  private readonly awaitingConfirmation = new Set<string>();
  /** Lost to someone else, but the needs_attention flag is not written yet. */
  private readonly unflagged = new Set<string>();
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

  /** A poll answered for this device (after the monitor took it in). */
  polled(serial: string, result: boolean | null | Error): void {
    if (this.unsettled.has(serial) && typeof result === 'boolean') {
      this.unsettled.delete(serial);
      if (result) this.options.track(this.settle(serial));
      else this.maybeReclaim(serial);
      return;
    }
    if (result === false && this.awaitingConfirmation.delete(serial)) this.maybeReclaim(serial);
    if (result === true && this.unflagged.has(serial)) this.options.track(this.flag(serial));
  }

  /** Someone else activated a device we held the password of. */
  activatedBySomeoneElse(serial: string): void {
    this.unflagged.add(serial);
    this.options.track(this.flag(serial));
  }

  private maybeReclaim(serial: string): void {
    const { vault, reclaim, monitor } = this.options;
    if (!vault || !reclaim) return;
    const known = vault.get(serial) !== undefined;
    const allowed = known ? reclaim.allowed.has(serial) : reclaim.listed.has(serial);
    const address = monitor.get(serial)?.poll;
    if (!allowed || !address) return;
    monitor.setReclaiming(serial, true);
    const run = reclaimDevice({
      vault,
      serial,
      address,
      listed: reclaim.listed.has(serial),
      sawInactive: true,
      recorders: reclaim.recorders?.(serial) ?? [],
      ...(this.options.guard ? { guard: this.options.guard } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
    }).then(
      (outcome) => {
        this.reclaimFailures.delete(serial);
        monitor.setVaultKnown(serial, true);
        this.options.onReclaim?.(outcome);
        monitor.observe(
          serial,
          outcome.result === 'reclaimed'
            ? { kind: 'reclaimed', evidence: outcome.evidence }
            : { kind: 'ownershipLost', evidence: outcome.evidence },
        );
      },
      (err: unknown) => {
        this.options.onError(err instanceof Error ? err : new Error(String(err)));
        if (vault.get(serial)?.pending) {
          // It may have our password now: an activation seen meanwhile is not someone else's.
          this.unsettled.add(serial);
          return;
        }
        monitor.setReclaiming(serial, false);
        const failures = (this.reclaimFailures.get(serial) ?? 0) + 1;
        this.reclaimFailures.set(serial, failures);
        if (failures < MAX_RECLAIM_TRIES) this.awaitingConfirmation.add(serial);
      },
    );
    this.options.track(run);
  }

  private async flag(serial: string): Promise<void> {
    const vault = this.options.vault;
    const record = vault?.get(serial);
    if (!vault || !record || record.state === 'needs_attention') {
      this.unflagged.delete(serial);
      return;
    }
    try {
      if (record.pending) await this.settle(serial);
      else await vault.markNeedsAttention(serial, OWNERSHIP_LOST_REASON);
      this.unflagged.delete(serial);
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
      this.options.onError(err);
    }
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
        ...(this.options.guard ? { guard: this.options.guard } : {}),
      });
      resolution = outcome.resolution;
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
      this.unsettled.add(serial);
      this.options.onError(err);
      return;
    }
    const evidence = { signal: 'reconcile', resolution };
    monitor.observe(
      serial,
      resolution === 'needs_attention'
        ? { kind: 'ownershipLost', evidence }
        : { kind: 'reclaimed', evidence },
    );
  }
}
