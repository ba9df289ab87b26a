/**
 * Recovery of a rotation that did not finish (crash, power loss, a PUT without an answer): the
 * vault holds a pending password and nobody knows whether the device took it. Try the likelier
 * password once (the pending one when the vault says the change request went out, else the
 * current one); if the device rejects it, try the other once; the one that works becomes
 * current. If neither works (or the device was factory-reset) the record is marked
 * needs_attention and nothing more is tried — guessing is how devices get locked. An answer that
 * proves nothing (timeout, unreachable, a lock someone else caused) leaves the record pending
 * for the next reconcile; a refusal of the current password is written to the vault first, so
 * the next reconcile (in this process or after a restart) goes straight to the pending one.
 * Each attempt is a deviceInfo read, so it also checks the serial.
 */
import {
  AuthFailedError,
  VaultRecordMissingError,
  LoginGuardRefusedError,
  NotActivatedError,
} from '../errors';
import type { ConnectionOptions, DeviceAddress } from './device-connection';
import { DeviceConnection } from './device-connection';
import { defaultDeviceLocks, type DeviceLocks } from './device-locks';
import { runStep, type RotationListener } from './rotation-steps';
import type { ResultReason } from '../device-vocabulary';
import type { CredentialVault } from '../vault/credential-vault';

export type ReconcileResolution = 'nothing_pending' | 'current' | 'pending' | 'needs_attention';

export interface ReconcileOutcome {
  serial: string;
  resolution: ReconcileResolution;
  /** For needs_attention: what was seen (`neither_password_works`, `not_activated`, or the stored reason). */
  reason: string | null;
}

export interface ReconcileOptions extends ConnectionOptions {
  vault: CredentialVault;
  serial: string;
  /** Where to reach the device, when newer than its vault record. */
  address?: DeviceAddress | undefined;
  onEvent?: RotationListener | undefined;
  /** Default: the process-wide locks; reconcile waits for a rotation of the same device to end. */
  locks?: DeviceLocks | undefined;
}

/** Why a record was marked needs_attention (words of lib/device-vocabulary.ts RESULT_REASONS). */
export const ATTENTION_REASONS = {
  neitherWorks: 'neither_password_works',
  notActivated: 'not_activated',
  currentRejected: 'current_password_rejected',
  ownershipLost: 'ownership_lost',
} as const satisfies Record<string, ResultReason>;

export async function reconcileDevice(options: ReconcileOptions): Promise<ReconcileOutcome> {
  const locks = options.locks ?? defaultDeviceLocks();
  return locks.run(options.serial, () => reconcileHeld(options), { wait: true });
}

/** The reconcile itself, for callers that already hold the device's lock. Inconclusive answers throw. */
export async function reconcileHeld(options: ReconcileOptions): Promise<ReconcileOutcome> {
  const { vault, serial } = options;
  const record = vault.get(serial);
  if (!record) throw new VaultRecordMissingError(serial);
  if (record.state === 'needs_attention') {
    return { serial, resolution: 'needs_attention', reason: record.attentionReason };
  }
  const pending = record.pending;
  if (!pending) return { serial, resolution: 'nothing_pending', reason: null };
  return runStep(options.onEvent, serial, 'reconcile', async () => {
    const connection = new DeviceConnection(vault, record, options.address, options);
    try {
      // The likelier password first: the pending one once the change request went out (the
      // device most likely took it), else the current one. A refusal seen by an earlier run
      // (perhaps an earlier process) is not paid for twice.
      if (pending.requestSentAt && !pending.currentRejectedAt) {
        const first = await attempt(connection, pending.password);
        if (first === 'works') {
          await vault.adoptPending(serial);
          return { serial, resolution: 'pending', reason: null } satisfies ReconcileOutcome;
        }
        const second = first === 'rejected' ? await attempt(connection, record.password) : null;
        if (second === 'works') {
          await vault.discardPending(serial);
          return { serial, resolution: 'current', reason: null } satisfies ReconcileOutcome;
        }
        return await needsAttention(vault, serial, first, second);
      }
      const current = pending.currentRejectedAt ? 'rejected' : await attempt(connection, record.password);
      if (current === 'works') {
        await vault.discardPending(serial);
        return { serial, resolution: 'current', reason: null } satisfies ReconcileOutcome;
      }
      let next: Verdict | null = null;
      if (current === 'rejected') {
        if (!pending.currentRejectedAt) await vault.noteCurrentRejected(serial);
        next = await attempt(connection, pending.password);
        if (next === 'works') {
          await vault.adoptPending(serial);
          return { serial, resolution: 'pending', reason: null } satisfies ReconcileOutcome;
        }
      }
      return await needsAttention(vault, serial, current, next);
    } finally {
      await connection.close();
    }
  });
}

type Verdict = 'works' | 'rejected' | 'not_activated';

/** Neither password opened the device (or it is not activated): stop, say so, guess nothing. */
async function needsAttention(
  vault: CredentialVault,
  serial: string,
  ...verdicts: (Verdict | null)[]
): Promise<ReconcileOutcome> {
  const reason = verdicts.includes('not_activated')
    ? ATTENTION_REASONS.notActivated
    : ATTENTION_REASONS.neitherWorks;
  await vault.markNeedsAttention(serial, reason);
  return { serial, resolution: 'needs_attention', reason };
}

/**
 * One attempt with `password`. Rejected means the device said no (or this process already saw it
 * say no, so the guard did not send it again); anything inconclusive throws.
 */
async function attempt(connection: DeviceConnection, password: string): Promise<Verdict> {
  try {
    await connection.identify(connection.credential(password));
    return 'works';
  } catch (err) {
    if (err instanceof AuthFailedError) return 'rejected';
    if (err instanceof LoginGuardRefusedError && err.reason === 'credential_failed_before') return 'rejected';
    if (err instanceof NotActivatedError) return 'not_activated';
    throw err;
  }
}
