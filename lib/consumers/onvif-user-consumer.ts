/**
 * ONVIF users as consumers of a device's own password (docs/protocol/users-and-onvif.md §3): the
 * ONVIF list is separate from the web users and a password change leaves it alone, so an ONVIF
 * user with the same name as the rotated account (the usual ONVIF `admin` mirroring the web
 * `admin`) would keep the old password. `update` logs in to the device as its administrator (for
 * the admin account: with the password the device just accepted), reads Network/Integrate (no
 * ONVIF there: nothing to do) and the ONVIF list (404 on older firmware: nothing to do), and gives
 * each mirror the new password. No mirror is no work. It never reads a password back.
 */
import {
  ConsumerRefusedError,
  ConsumerUnreachableError,
  HikError,
  HttpPasswordChangeRefusedError,
  NotSupportedError,
  VaultRecordMissingError,
} from '../errors';
import { getOnvifIntegration, listOnvifUsers, putOnvifUserPassword } from '../isapi/endpoints/onvif-users';
import { DeviceConnection, type ConnectionOptions } from '../rotation/device-connection';
import type { CredentialVault } from '../vault/credential-vault';
import type {
  Consumer,
  ConsumerAccount,
  ConsumerCredential,
  ConsumerUpdateContext,
  ConsumerUpdateResult,
} from './consumer';

export interface OnvifUserConsumerOptions extends ConnectionOptions {
  vault: CredentialVault;
  /** The device whose ONVIF users mirror its own account. */
  serial: string;
  /** Which of the device's accounts the mirrors follow. Default admin. */
  account?: ConsumerAccount | undefined;
  /** The device's opt-in to send passwords over plain HTTP (as for its rotation). */
  allowHttpPasswordChange?: boolean | undefined;
}

/** How a mirror is named to people ("ONVIF user admin"). */
export function onvifUserName(userName: string): string {
  return `ONVIF user ${userName}`;
}

export class OnvifUserConsumer implements Consumer {
  readonly kind = 'onvif_user';
  readonly account: ConsumerAccount;
  readonly id: string;
  readonly label: string;

  constructor(private readonly options: OnvifUserConsumerOptions) {
    this.account = options.account ?? 'admin';
    this.id = `onvif_user:${options.serial}:${this.account}`;
    this.label = `ONVIF users of ${options.serial}`;
  }

  async update(
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<ConsumerUpdateResult> {
    const { vault, serial } = this.options;
    const record = vault.get(serial);
    if (!record) return this.failed(new VaultRecordMissingError(serial), []);
    const protocol = record.protocol ?? 'https';
    if (protocol === 'http' && !this.options.allowHttpPasswordChange) {
      return this.failed(new HttpPasswordChangeRefusedError(serial), []);
    }
    // The administrator logs in: with the admin password now in force when that is what changed.
    const admin =
      this.account === 'admin' ? credential : { username: record.username, password: record.password };
    let connection: DeviceConnection | null = null;
    try {
      connection = new DeviceConnection(
        vault,
        record,
        { host: context.device.host, port: context.device.port, protocol },
        this.options,
      );
      await connection.identify(admin);
      if (!(await getOnvifIntegration(connection.client)).supported)
        return { status: 'updated', outOfDate: [] };
      let users;
      try {
        users = await listOnvifUsers(connection.client);
      } catch (err) {
        if (err instanceof NotSupportedError) return { status: 'updated', outOfDate: [] };
        throw err;
      }
      const outOfDate: string[] = [];
      let firstError: unknown = null;
      for (const user of users.filter((u) => u.userName === credential.username)) {
        try {
          await putOnvifUserPassword(connection.client, user, credential.password);
        } catch (err) {
          firstError ??= err;
          outOfDate.push(onvifUserName(user.userName));
        }
      }
      return firstError === null ? { status: 'updated', outOfDate } : this.failed(firstError, outOfDate);
    } catch (err) {
      return this.failed(err, []);
    } finally {
      await connection?.close();
    }
  }

  /** The device answered and said no: refused; no answer: unreachable (retried later). */
  private failed(err: unknown, outOfDate: string[]): ConsumerUpdateResult {
    const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    const message = `the ONVIF users of ${this.options.serial} did not take the password (${code})`;
    return UNREACHABLE.has(code)
      ? {
          status: 'unreachable',
          error: new ConsumerUnreachableError(this.id, message, { cause: err }),
          outOfDate,
        }
      : { status: 'refused', error: new ConsumerRefusedError(this.id, message, { cause: err }), outOfDate };
  }
}

/** Codes that mean no answer yet (retrying later may help). */
const UNREACHABLE = new Set([
  'HIK_ERR_TIMEOUT',
  'HIK_ERR_UNREACHABLE',
  'HIK_ERR_DEVICE_BUSY',
  'HIK_ERR_DEVICE_LOCKED',
  'HIK_ERR_LOGIN_GUARD',
]);
