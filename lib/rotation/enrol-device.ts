/**
 * Enrolment: the first contact with a device, with the password its owner typed. One
 * authenticated deviceInfo read tells the serial (the identity from then on) and, over HTTPS,
 * pins the certificate; the vault then holds the password. A device already in the vault is
 * left as it is: after enrolment the vault, not the typed password, is the truth.
 */
import { SerialMismatchError, VaultRecordExistsError } from '../errors';
import { getDeviceInfo } from '../isapi/endpoints/system';
import { IsapiClient } from '../isapi/isapi-client';
import type { ConnectionOptions } from './device-connection';
import type { CredentialVault, VaultRecord } from '../vault/credential-vault';

export interface EnrolOptions extends ConnectionOptions {
  vault: CredentialVault;
  host: string;
  port?: number | undefined;
  /** Default https. */
  protocol?: 'http' | 'https' | undefined;
  username: string;
  password: string;
  /** When the caller already knows the serial: a device with another serial is refused. */
  expectedSerial?: string | undefined;
}

export interface EnrolOutcome {
  record: VaultRecord;
  /** False when the device was in the vault already (its record was kept). */
  enrolled: boolean;
}

/** The record for the device at this address (the last one the vault saw there), if any. */
export function findRecordByAddress(
  vault: CredentialVault,
  host: string,
  port: number | undefined,
): VaultRecord | null {
  const records = vault.list();
  return records.find((r) => r.host === host && (port === undefined || r.port === port)) ?? null;
}

export async function enrolDevice(options: EnrolOptions): Promise<EnrolOutcome> {
  const { vault } = options;
  if (options.expectedSerial) {
    const known = vault.get(options.expectedSerial);
    if (known) return { record: known, enrolled: false };
  }
  let learntPin: string | undefined;
  const client = new IsapiClient({
    host: options.host,
    port: options.port,
    protocol: options.protocol ?? 'https',
    credential: { username: options.username, password: options.password },
    tlsPin: { onFirstUse: (fingerprint) => (learntPin = fingerprint) },
    guard: options.guard,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  try {
    const info = await getDeviceInfo(client);
    if (options.expectedSerial && info.serial !== options.expectedSerial) {
      throw new SerialMismatchError(options.expectedSerial, info.serial);
    }
    const known = vault.get(info.serial);
    if (known) return { record: known, enrolled: false };
    try {
      const record = await vault.enrol({
        serial: info.serial,
        username: options.username,
        password: options.password,
        host: client.host,
        port: client.port,
        protocol: client.protocol,
        tlsPin: learntPin,
      });
      return { record, enrolled: true };
    } catch (err) {
      // Someone enrolled it meanwhile (two first contacts at once): the vault's record stands.
      const raced = err instanceof VaultRecordExistsError ? vault.get(info.serial) : undefined;
      if (!raced) throw err;
      return { record: raced, enrolled: false };
    }
  } finally {
    await client.close();
  }
}
