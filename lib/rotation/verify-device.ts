/**
 * Verification: does the vault's current password still open the device? One deviceInfo read
 * (which also checks the serial). A pending record is reconciled instead; a rejected password
 * flags the record needs_attention so nothing keeps trying it.
 */
import { AuthFailedError, VaultRecordMissingError, NotActivatedError } from '../errors';
import { DeviceConnection } from './device-connection';
import { defaultDeviceLocks } from './device-locks';
import { ATTENTION_REASONS, reconcileHeld, type ReconcileOptions } from './reconcile-device';

export type VerifyResolution = 'verified' | 'reconciled' | 'needs_attention';

export interface VerifyOutcome {
  serial: string;
  resolution: VerifyResolution;
  reason: string | null;
  verifiedAt: string | null;
}

export async function verifyDevice(
  options: ReconcileOptions & { clock?: (() => number) | undefined },
): Promise<VerifyOutcome> {
  const locks = options.locks ?? defaultDeviceLocks();
  return locks.run(options.serial, () => verifyHeld(options), { wait: true });
}

async function verifyHeld(
  options: ReconcileOptions & { clock?: (() => number) | undefined },
): Promise<VerifyOutcome> {
  const { vault, serial } = options;
  const record = vault.get(serial);
  if (!record) throw new VaultRecordMissingError(serial);
  if (record.state === 'needs_attention') {
    return { serial, resolution: 'needs_attention', reason: record.attentionReason, verifiedAt: null };
  }
  if (record.pending) {
    const settled = await reconcileHeld(options);
    const resolution = settled.resolution === 'needs_attention' ? 'needs_attention' : 'reconciled';
    return { serial, resolution, reason: settled.reason, verifiedAt: null };
  }
  const connection = new DeviceConnection(vault, record, options.address, options);
  try {
    await connection.identify();
  } catch (err) {
    const reason =
      err instanceof AuthFailedError
        ? ATTENTION_REASONS.currentRejected
        : err instanceof NotActivatedError
          ? ATTENTION_REASONS.notActivated
          : null;
    if (reason === null) throw err;
    await vault.markNeedsAttention(serial, reason);
    return { serial, resolution: 'needs_attention', reason, verifiedAt: null };
  } finally {
    await connection.close();
  }
  const verifiedAt = new Date((options.clock ?? Date.now)()).toISOString();
  await vault.update(serial, { lastVerification: verifiedAt });
  return { serial, resolution: 'verified', reason: null, verifiedAt };
}
