/**
 * An ISAPI client for one enrolled device, set up from its vault record: the address (unless the
 * caller knows a newer one), the TLS pin learnt on first use (a new pin is written back to the
 * vault), the current credential, and the serial so the login guard files attempts under it.
 */
import { InvalidArgumentError, SerialMismatchError } from '../errors';
import { getDeviceInfo, type DeviceInfo } from '../isapi/endpoints/system';
import { IsapiClient } from '../isapi/isapi-client';
import type { Credential, LoginGuard } from '../isapi/login-guard';
import type { CredentialVault, VaultRecord } from '../vault/credential-vault';

export interface DeviceAddress {
  host: string;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
}

export interface ConnectionOptions {
  /** Default: the process-wide guard. */
  guard?: LoginGuard | undefined;
  connectTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

export class DeviceConnection {
  readonly client: IsapiClient;
  private readonly writes: Promise<unknown>[] = [];

  constructor(
    private readonly vault: CredentialVault,
    readonly record: VaultRecord,
    address: DeviceAddress | undefined,
    options: ConnectionOptions = {},
  ) {
    const host = address?.host ?? record.host;
    if (!host) throw new InvalidArgumentError(`no address known for device ${record.serial}`);
    const protocol = address?.protocol ?? record.protocol ?? 'https';
    const port = address?.port ?? (address?.host ? undefined : record.port) ?? undefined;
    this.client = new IsapiClient({
      host,
      port,
      protocol,
      serial: record.serial,
      credential: { username: record.username, password: record.password },
      tlsPin: {
        fingerprint: record.tlsPin ?? undefined,
        onFirstUse: (fingerprint) => {
          this.writes.push(this.vault.update(record.serial, { tlsPin: fingerprint }));
        },
      },
      guard: options.guard,
      connectTimeoutMs: options.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
    });
  }

  get serial(): string {
    return this.record.serial;
  }

  get username(): string {
    return this.record.username;
  }

  credential(password: string): Credential {
    return { username: this.record.username, password };
  }

  /**
   * Reads deviceInfo with `credential` (one authenticated attempt) and checks the serial is the
   * record's. Then remembers the address it answered on, so the record follows the device.
   */
  async identify(credential?: Credential): Promise<DeviceInfo> {
    if (credential) this.client.useCredential(credential);
    const info = await getDeviceInfo(this.client);
    if (info.serial !== this.record.serial) throw new SerialMismatchError(this.record.serial, info.serial);
    const { host, port, protocol } = this.client;
    if (host !== this.record.host || port !== this.record.port || protocol !== this.record.protocol) {
      this.writes.push(this.vault.update(this.record.serial, { host, port, protocol }));
    }
    return info;
  }

  /** Waits for the vault writes this connection started (pin, address). */
  async flush(): Promise<void> {
    await Promise.all(this.writes.splice(0));
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.client.close();
    }
  }
}
