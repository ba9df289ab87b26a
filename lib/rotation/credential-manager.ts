/**
 * The devices one rotation owner (a `hik-credentials` node, say) looks after, and the four things
 * it does with them: rotate, verify, reconcile, report status. Devices are known by their
 * configured address until the first contact tells their serial; from then on the vault record
 * (found by serial, else by the address it last answered on) is their identity. Results are
 * plain objects without passwords.
 */
import { RESULT_REASONS, type ResultReason } from '../device-vocabulary';
import { HikError, VaultRecordMissingError } from '../errors';
import type { LoginGuard } from '../isapi/login-guard';
import type { CredentialVault, VaultRecord } from '../vault/credential-vault';
import type { Consumer, ConsumerReport } from '../consumers/consumer';
import {
  createStreamingAccount,
  reconcileStreamingAccount,
  rotateStreamingAccount,
  STREAMING_ACCOUNT,
  type StreamingAccountResult,
} from '../accounts/streaming-account';
import { OnvifUserConsumer } from '../consumers/onvif-user-consumer';
import { RecorderChannelConsumer } from '../consumers/recorder-channel-consumer';
import { refreshStaleConsumers } from './consumer-updates';
import type { DeviceLocks } from './device-locks';
import { enrolDevice, findRecordByAddress } from './enrol-device';
import { reconcileDevice } from './reconcile-device';
import { rotateDevice, type RotationResult } from './rotate-device';
import type { RotationListener } from './rotation-steps';
import { verifyDevice } from './verify-device';

export interface ManagedDevice {
  /** Stable key of the configuration (e.g. the config node id). */
  key: string;
  name: string;
  host: string;
  port: number;
  protocol: 'http' | 'https';
  username: string;
  /** The configured serial, if any. */
  serial: string | null;
  allowHttpPasswordChange: boolean;
  /** A recorder whose channels follow the password changes of the other devices. */
  recorder: boolean;
  /** Other holders of this device's passwords configured for it (go2rtc, Frigate, HA…). */
  consumers?: readonly Consumer[] | undefined;
  /** ONVIF users named like the rotated account get its new password too. Default true. */
  keepOnvifUsersInStep?: boolean | undefined;
  /** Opt-in: create the dedicated streaming account once the device is enrolled. */
  streamingAccount?: boolean | undefined;
  /** The password typed for enrolment; asked only when the vault does not know the device. */
  enrolmentPassword(): string | undefined;
}

export type DeviceResultKind = RotationResult | 'verified';

export interface DeviceResult {
  key: string;
  serial: string | null;
  name: string;
  result: DeviceResultKind;
  reason: ResultReason | null;
  rotatedAt: string | null;
  /** Recorder channels and other holders of the password, and whether each was updated. */
  consumers: ConsumerReport[];
  /** The typed error behind a failure, for logs and exit codes (never carries a password). */
  error: HikError | null;
}

/** What a streaming-account action came to for one device (never a password). */
export interface AccountResult {
  key: string;
  serial: string | null;
  name: string;
  result: StreamingAccountResult | 'failed';
  /** The error code when failed. */
  reason: string | null;
  username: string | null;
  error: HikError | null;
  /** The streaming account's consumers and what they made of a new password (no secrets). */
  consumers: ConsumerReport[];
}

type Outcome = Omit<DeviceResult, 'key' | 'serial' | 'name' | 'consumers' | 'error'> &
  Partial<Pick<DeviceResult, 'consumers' | 'error'>>;

export interface CredentialManagerOptions {
  vault: CredentialVault;
  devices: readonly ManagedDevice[];
  settleMs?: number | undefined;
  guard?: LoginGuard | undefined;
  locks?: DeviceLocks | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: RotationListener | undefined;
  clock?: (() => number) | undefined;
  connectTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

export class CredentialManager {
  constructor(private readonly options: CredentialManagerOptions) {}

  get devices(): readonly ManagedDevice[] {
    return this.options.devices;
  }

  /** The vault record of a device, without contacting it; null when not enrolled yet. */
  record(device: ManagedDevice): VaultRecord | null {
    const { vault } = this.options;
    if (device.serial) return vault.get(device.serial) ?? null;
    return findRecordByAddress(vault, device.host, device.port);
  }

  /** The record, enrolling the device with its enrolment password on first contact. */
  async enrolled(device: ManagedDevice): Promise<VaultRecord> {
    const known = this.record(device);
    if (known) return known;
    const password = device.enrolmentPassword();
    if (!password) throw new VaultRecordMissingError(device.serial ?? `${device.host}:${device.port}`);
    const { record } = await enrolDevice({
      vault: this.options.vault,
      host: device.host,
      port: device.port,
      protocol: device.protocol,
      username: device.username,
      password,
      expectedSerial: device.serial ?? undefined,
      guard: this.options.guard,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
    });
    return record;
  }

  async rotate(device: ManagedDevice): Promise<DeviceResult> {
    return this.guarded(device, async (record) => {
      const outcome = await rotateDevice({
        ...this.common(device, record),
        allowHttpPasswordChange: device.allowHttpPasswordChange,
        consumers: this.consumersOf(device),
        settleMs: this.options.settleMs,
        signal: this.options.signal,
        clock: this.options.clock,
      });
      return {
        result: outcome.result,
        reason: outcome.reason,
        rotatedAt: outcome.rotatedAt,
        consumers: outcome.consumers,
        error: outcome.error,
      };
    });
  }

  async verify(device: ManagedDevice): Promise<DeviceResult> {
    return this.guarded(device, async (record) => {
      const outcome = await verifyDevice({ ...this.common(device, record), clock: this.options.clock });
      if (outcome.resolution === 'needs_attention') {
        return { result: 'needs_attention', reason: attentionReason(outcome.reason), rotatedAt: null };
      }
      return {
        result: 'verified',
        reason: outcome.resolution === 'reconciled' ? 'reconciled' : null,
        rotatedAt: null,
      };
    });
  }

  async reconcile(device: ManagedDevice): Promise<DeviceResult> {
    return this.guarded(device, async (record) => {
      const outcome = await reconcileDevice(this.common(device, record));
      if (outcome.resolution === 'needs_attention') {
        return { result: 'needs_attention', reason: attentionReason(outcome.reason), rotatedAt: null };
      }
      const reason =
        outcome.resolution === 'nothing_pending'
          ? 'nothing_pending'
          : (`kept_${outcome.resolution}` as const);
      return { result: 'verified', reason, rotatedAt: null };
    });
  }

  /** What the vault knows, without contacting the device. */
  status(device: ManagedDevice): DeviceResult {
    const record = this.record(device);
    if (!record)
      return this.result(device, null, { result: 'skipped', reason: 'not_enrolled', rotatedAt: null });
    const result: DeviceResultKind = record.state === 'needs_attention' ? 'needs_attention' : 'skipped';
    const reason =
      record.state === 'needs_attention' ? attentionReason(record.attentionReason) : record.state;
    return this.result(device, record.serial, { result, reason, rotatedAt: record.lastRotation });
  }

  /** Creates the device's streaming account (`exists` when the vault has one), or rotates it. */
  async streamingAccount(device: ManagedDevice, action: 'create' | 'rotate'): Promise<AccountResult> {
    let serial: string | null = device.serial;
    try {
      const record = await this.enrolled(device);
      serial = record.serial;
      const options = this.streamingOptions(device, record);
      const outcome =
        action === 'create' ? await createStreamingAccount(options) : await rotateStreamingAccount(options);
      return {
        ...this.accountBase(device, serial),
        result: outcome.result,
        username: outcome.username,
        consumers: outcome.consumers,
      };
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
      return { ...this.accountBase(device, serial), result: 'failed', reason: err.code, error: err };
    }
  }

  /**
   * Settles every streaming account left pending (a crash), and creates the ones the devices opted
   * into and do not have yet. Only enrolled devices; results only for work done.
   */
  async settleStreamingAccounts(): Promise<AccountResult[]> {
    const results: AccountResult[] = [];
    for (const device of this.devices) {
      const record = this.record(device);
      if (!record) continue;
      const account = record.accounts[STREAMING_ACCOUNT];
      if (account?.pending) {
        try {
          const outcome = await reconcileStreamingAccount(this.streamingOptions(device, record));
          results.push({
            ...this.accountBase(device, record.serial),
            result: outcome.result,
            username: outcome.username,
            consumers: outcome.consumers,
          });
        } catch (err) {
          if (!HikError.isHikError(err)) throw err;
          results.push({
            ...this.accountBase(device, record.serial),
            result: 'failed',
            reason: err.code,
            error: err,
          });
        }
      } else if (!account && device.streamingAccount && record.state === 'ok') {
        results.push(await this.streamingAccount(device, 'create'));
      }
    }
    return results;
  }

  private accountBase(device: ManagedDevice, serial: string | null): AccountResult {
    return {
      key: device.key,
      serial,
      name: device.name,
      result: 'failed',
      reason: null,
      username: null,
      error: null,
      consumers: [],
    };
  }

  /** Reconciles every managed device that has a pending password (start-up, before schedules). */
  async reconcilePending(): Promise<DeviceResult[]> {
    const pending = this.devices.filter((d) => this.record(d)?.pending);
    return Promise.all(pending.map((d) => this.reconcile(d)));
  }

  private streamingOptions(device: ManagedDevice, record: VaultRecord) {
    return {
      ...this.common(device, record),
      allowHttpPasswordChange: device.allowHttpPasswordChange,
      consumers: this.consumersOf(device),
    };
  }

  private common(device: ManagedDevice, record: VaultRecord) {
    return {
      vault: this.options.vault,
      serial: record.serial,
      address: { host: device.host, port: device.port, protocol: device.protocol },
      guard: this.options.guard,
      locks: this.options.locks,
      onEvent: this.options.onEvent,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
    };
  }

  /**
   * Brings the device's stale consumers (a refusal, an unreachable one, a crash before they were
   * reached) up to date with the vault's current password. Results name only what is still out
   * of date; nothing is sent while a change is unresolved or the device needs attention.
   */
  async refreshConsumers(device: ManagedDevice): Promise<ConsumerReport[]> {
    const record = this.record(device);
    if (!record || record.staleConsumers.length === 0) return [];
    return refreshStaleConsumers({
      vault: this.options.vault,
      serial: record.serial,
      consumers: this.consumersOf(device),
      device: { serial: record.serial, host: device.host, port: device.port },
      signal: this.options.signal,
      locks: this.options.locks,
    });
  }

  /**
   * The device's consumers: its configured ones, plus the recorders among the other devices,
   * once enrolled (a recorder not yet enrolled is skipped).
   */
  consumersOf(device: ManagedDevice): Consumer[] {
    const consumers: Consumer[] = [...(device.consumers ?? [])];
    const own = this.record(device);
    if (own && device.keepOnvifUsersInStep !== false) {
      consumers.push(
        new OnvifUserConsumer({
          vault: this.options.vault,
          serial: own.serial,
          allowHttpPasswordChange: device.allowHttpPasswordChange,
          guard: this.options.guard,
          connectTimeoutMs: this.options.connectTimeoutMs,
          requestTimeoutMs: this.options.requestTimeoutMs,
        }),
      );
    }
    for (const recorder of this.devices.filter((d) => d.recorder && d.key !== device.key)) {
      const record = this.record(recorder);
      if (record) {
        consumers.push(
          new RecorderChannelConsumer({
            vault: this.options.vault,
            recorder: {
              serial: record.serial,
              address: { host: recorder.host, port: recorder.port, protocol: recorder.protocol },
            },
            guard: this.options.guard,
            connectTimeoutMs: this.options.connectTimeoutMs,
            requestTimeoutMs: this.options.requestTimeoutMs,
            clock: this.options.clock,
          }),
        );
      }
    }
    return consumers;
  }

  private async guarded(
    device: ManagedDevice,
    work: (record: VaultRecord) => Promise<Outcome>,
  ): Promise<DeviceResult> {
    let serial: string | null = device.serial;
    try {
      const record = await this.enrolled(device);
      serial = record.serial;
      return this.result(device, serial, await work(record));
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
      const result = err.code === 'HIK_ERR_NEEDS_ATTENTION' ? 'needs_attention' : 'failed';
      return this.result(device, serial, {
        result,
        reason: err.code,
        rotatedAt: null,
        error: err,
      });
    }
  }

  private result(device: ManagedDevice, serial: string | null, outcome: Outcome): DeviceResult {
    return { key: device.key, serial, name: device.name, consumers: [], error: null, ...outcome };
  }
}

/** A stored attention reason in the vocabulary (older versions wrote sentences). */
function attentionReason(stored: string | null): ResultReason {
  return (RESULT_REASONS as readonly string[]).includes(stored ?? '')
    ? (stored as ResultReason)
    : 'needs_attention';
}
