/**
 * Re-pinning a device's TLS certificate, the one way every face of hik guard does it (the CLI's
 * `vault repin`, the sidebar's "Trust the new certificate", the `repin` input of hik-credentials).
 * A replaced certificate (new device, firmware update, a reset that made a new key) is refused by
 * every connection (`HIK_ERR_CERT_CHANGED`) until its owner trusts it, and trusting must never
 * happen silently: this reads the certificate the device presents now (a bare TLS handshake, no
 * request, no credential) and pins it only when the caller confirms exactly that fingerprint, the
 * one the owner was shown beside the old one. Without a confirmation it only looks.
 */
import { CertificateNotConfirmedError, InvalidArgumentError, VaultRecordMissingError } from '../errors';
import { readCertificateFingerprint } from '../isapi/certificate-probe';
import { normaliseFingerprint } from '../isapi/pinned-connector';
import type { CredentialVault } from '../vault/credential-vault';
import type { DeviceAddress } from './device-connection';

export interface RepinRequest {
  vault: CredentialVault;
  serial: string;
  /** Where to ask (the device's configured address); default the address in its vault record. */
  address?: DeviceAddress | undefined;
  /**
   * The fingerprint the owner confirmed after seeing it; pinned only if the device presents
   * exactly this one now. Absent: nothing is written, the answer shows both fingerprints.
   */
  confirm?: string | undefined;
  /** For the TLS handshake; default 3 s. */
  timeoutMs?: number | undefined;
  /** For tests; default a TLS handshake (lib/isapi/certificate-probe.ts). */
  fingerprintAt?: ((host: string, port: number, timeoutMs: number) => Promise<string>) | undefined;
}

/**
 * `unchanged`: the device presents the pinned certificate (nothing to do); `confirmation_needed`:
 * it presents another and nothing was confirmed, so nothing changed; `repinned`: the confirmed
 * certificate is pinned now.
 */
export type RepinResult = 'unchanged' | 'confirmation_needed' | 'repinned';

export interface RepinOutcome {
  serial: string;
  host: string;
  port: number;
  /** The fingerprint pinned before (null: none yet). */
  pinned: string | null;
  /** The fingerprint the device presents now (`AA:BB:…`). */
  presented: string;
  result: RepinResult;
}

const SHA256_HEX = /^[0-9A-F]{64}$/;

/** Throws InvalidArgumentError unless `value` reads as a SHA-256 fingerprint (colons optional). */
export function checkFingerprint(value: string): string {
  const normalised = normaliseFingerprint(value);
  if (value.trim() === '' || !SHA256_HEX.test(normalised) || /[^0-9a-f:\s]/i.test(value)) {
    throw new InvalidArgumentError('the fingerprint must be a SHA-256 fingerprint: 64 hex digits');
  }
  return normalised;
}

export async function repinCertificate(request: RepinRequest): Promise<RepinOutcome> {
  const { vault, serial } = request;
  const confirmed = request.confirm === undefined ? null : checkFingerprint(request.confirm);
  const record = vault.get(serial);
  if (!record) throw new VaultRecordMissingError(serial);
  const host = request.address?.host ?? record.host;
  if (!host) throw new InvalidArgumentError(`no address known for device ${serial}`);
  const protocol = request.address?.protocol ?? record.protocol ?? 'https';
  if (protocol !== 'https') {
    throw new InvalidArgumentError(`device ${serial} is reached over plain HTTP: no certificate is pinned`);
  }
  const port = request.address?.port ?? (request.address?.host ? undefined : record.port) ?? 443;
  const timeoutMs = request.timeoutMs ?? 3_000;
  const presented = await (request.fingerprintAt ?? probe)(host, port, timeoutMs);
  const outcome = (result: RepinResult): RepinOutcome => ({
    serial,
    host,
    port,
    pinned: record.tlsPin,
    presented,
    result,
  });
  if (confirmed !== null && confirmed !== normaliseFingerprint(presented)) {
    throw new CertificateNotConfirmedError(request.confirm ?? '', presented);
  }
  if (record.tlsPin !== null && normaliseFingerprint(record.tlsPin) === normaliseFingerprint(presented)) {
    return outcome('unchanged');
  }
  if (confirmed === null) return outcome('confirmation_needed');
  await vault.update(serial, { tlsPin: presented });
  return outcome('repinned');
}

function probe(host: string, port: number, timeoutMs: number): Promise<string> {
  return readCertificateFingerprint({ host, port, timeoutMs });
}
