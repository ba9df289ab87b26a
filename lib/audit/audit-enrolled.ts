/**
 * Audits a device the vault knows, with the vault's current password and pinned certificate: the
 * one credential that works, so the audit never costs a failed login. A record whose password is
 * in doubt (a change not yet reconciled, or marked for attention) is not audited at all.
 */
import {
  InvalidArgumentError,
  NeedsAttentionError,
  VaultPendingExistsError,
  VaultRecordMissingError,
} from '../errors';
import { IsapiClient } from '../isapi/isapi-client';
import type { LoginGuard } from '../isapi/login-guard';
import { defaultDeviceLocks, type DeviceLocks } from '../rotation/device-locks';
import type { CredentialVault } from '../vault/credential-vault';
import type { VaultRecord } from '../vault/vault-record';
import { auditDevice } from './audit-device';
import type { AuditReport } from './finding';

export interface EnrolledAuditOptions {
  /** Default: the process-wide guard. */
  guard?: LoginGuard | undefined;
  /** Where the device answers now, when the caller knows better than the record. */
  address?: { host: string; port?: number | undefined; protocol?: 'http' | 'https' | undefined } | undefined;
  connectTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  clock?: (() => number) | undefined;
}

export async function auditEnrolled(
  record: VaultRecord,
  options: EnrolledAuditOptions = {},
): Promise<AuditReport> {
  if (record.pending) throw new VaultPendingExistsError(record.serial);
  if (record.state === 'needs_attention')
    throw new NeedsAttentionError(record.serial, record.attentionReason ?? 'needs_attention');
  const host = options.address?.host ?? record.host;
  if (!host) throw new InvalidArgumentError(`no address known for device ${record.serial}`);
  const protocol = options.address?.protocol ?? record.protocol ?? 'https';
  const client = new IsapiClient({
    host,
    port: options.address?.port ?? (options.address ? undefined : (record.port ?? undefined)),
    protocol,
    serial: record.serial,
    credential: { username: record.username, password: record.password },
    // Read-only: a certificate learnt here is used, not written back (rotation owns the record).
    tlsPin: { fingerprint: record.tlsPin ?? undefined },
    guard: options.guard,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  try {
    return await auditDevice(client, { username: record.username, clock: options.clock });
  } finally {
    await client.close();
  }
}

/**
 * Audits a device of a vault this process writes (Node-RED): holding the device's lock, so no
 * rotation changes the password between reading the record and logging in with it.
 */
export async function auditManaged(
  vault: CredentialVault,
  serial: string,
  options: EnrolledAuditOptions & { locks?: DeviceLocks | undefined } = {},
): Promise<AuditReport> {
  const locks = options.locks ?? defaultDeviceLocks();
  return locks.run(
    serial,
    async () => {
      const record = vault.get(serial);
      if (!record) throw new VaultRecordMissingError(serial);
      return auditEnrolled(record, options);
    },
    { wait: true },
  );
}
