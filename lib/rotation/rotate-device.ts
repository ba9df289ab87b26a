/**
 * The rotation of one device's password, write-ahead like HashiCorp Vault's static roles:
 *
 *   precheck -> generate -> persist pending (with the consumers to reach) -> PUT users/<id>
 *     -> update consumers -> settle -> verify(new) -> commit -> confirm consumers -> report
 *
 * The consumers (recorder channels, go2rtc, Home Assistant integrations…) get the new password
 * the moment the device accepted it, not after the settle: each retries with the old one on its
 * own cadence and every such retry is a failed login at the device (consumer-updates.ts).
 *
 * Nothing is sent before the device proved (deviceInfo, with the current password, one attempt)
 * to be the enrolled serial, and no new password is sent before it is durable in the vault. A
 * device that answered "no" to the PUT changed nothing, so the pending password is dropped; any
 * other failure after "persist pending" (and any crash) is settled by reconcile, which tries each
 * candidate once. So a rotation spends at most one failed login per password it knows.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ResultReason } from '../device-vocabulary';
import {
  AuthFailedError,
  HikError,
  HttpPasswordChangeRefusedError,
  IsapiStatusError,
  NeedsAttentionError,
  NotActivatedError,
  ProtocolError,
  VaultRecordMissingError,
} from '../errors';
import { checkUser, getSecurityCapabilities, listUsers, putUserPassword } from '../isapi/endpoints/security';
import type { Consumer, ConsumerDevice, ConsumerReport } from '../consumers/consumer';
import {
  adminConsumers,
  confirmConsumers,
  refreshHeld,
  updateConsumers,
  type ConsumerPhaseOptions,
} from './consumer-updates';
import { DeviceConnection, type ConnectionOptions, type DeviceAddress } from './device-connection';
import { defaultDeviceLocks, type DeviceLocks } from './device-locks';
import { generatePassword, type PasswordPolicyOptions } from './password-policy';
import { ATTENTION_REASONS, reconcileHeld } from './reconcile-device';
import { runStep, type RotationListener } from './rotation-steps';
import type { CredentialVault, VaultRecord } from '../vault/credential-vault';

export type RotationResult = 'rotated' | 'skipped' | 'failed' | 'needs_attention';

export interface RotationOutcome {
  serial: string;
  result: RotationResult;
  /** Error code (`HIK_ERR_*`) or `aborted`; for `rotated`, set when a consumer is out of date. */
  reason: ResultReason | null;
  /** ISO time of the commit, for `rotated`. */
  rotatedAt: string | null;
  /** What each consumer of the password came to (no secrets). */
  consumers: ConsumerReport[];
  /** The typed error behind a failure, for logs (never carries a password). */
  error: HikError | null;
}

export interface RotateOptions extends ConnectionOptions {
  vault: CredentialVault;
  serial: string;
  /** Where to reach the device, when newer than its vault record. */
  address?: DeviceAddress | undefined;
  /** The per-device opt-in to change a password over plain HTTP. Default false. */
  allowHttpPasswordChange?: boolean | undefined;
  /** Who else holds the device's passwords (recorder channels, go2rtc…); the admin ones follow. */
  consumers?: readonly Consumer[] | undefined;
  /** Wait between the PUT and the verification. Default 2 s. */
  settleMs?: number | undefined;
  /** Wanted password length (clamped to the device's limits). Default 16. */
  passwordLength?: number | undefined;
  /** Replaces the built-in generator (e.g. a site's own policy); gets the same inputs. */
  passwordGenerator?: ((policy: PasswordPolicyOptions) => string) | undefined;
  onEvent?: RotationListener | undefined;
  /** Stops the rotation at the next step boundary before the PUT (after it, the rotation finishes). */
  signal?: AbortSignal | undefined;
  locks?: DeviceLocks | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  clock?: (() => number) | undefined;
}

export const DEFAULT_SETTLE_MS = 2_000;
/**
 * The longest settle a setting may ask for. Consumers hik guard updates get the password before
 * the settle, but the rest hear of it (credential_changed) only after settle and verify; one that
 * retries every second reaches the device's 7-attempt lock in about 7 s (consumers.md §0), so a
 * longer settle would lock it out before a user's flow can update it.
 */
export const MAX_SETTLE_MS = 5_000;

export async function rotateDevice(options: RotateOptions): Promise<RotationOutcome> {
  const locks = options.locks ?? defaultDeviceLocks();
  try {
    return await locks.run(options.serial, () => rotateHeld(options));
  } catch (err) {
    return failure(options.serial, err);
  }
}

async function rotateHeld(options: RotateOptions): Promise<RotationOutcome> {
  const { vault, serial } = options;
  const clock = options.clock ?? Date.now;
  let record = vault.get(serial);
  if (!record) throw new VaultRecordMissingError(serial);
  if (record.state === 'needs_attention') {
    return outcome(serial, 'skipped', new NeedsAttentionError(serial, record.attentionReason ?? 'unknown'));
  }
  if (record.pending) {
    // Earlier work left a pending password: settle it before anything new (it may have been applied).
    const settled = await reconcileHeld(options);
    if (settled.resolution === 'needs_attention') {
      throw new NeedsAttentionError(serial, settled.reason ?? 'unknown');
    }
    record = vault.get(serial);
    if (!record) throw new VaultRecordMissingError(serial);
  }
  const protocol = options.address?.protocol ?? record.protocol ?? 'https';
  if (protocol === 'http' && !options.allowHttpPasswordChange)
    throw new HttpPasswordChangeRefusedError(serial);

  const connection = new DeviceConnection(vault, record, options.address, options);
  try {
    return await rotateConnected(options, connection, record, clock);
  } finally {
    await connection.close();
  }
}

async function rotateConnected(
  options: RotateOptions,
  connection: DeviceConnection,
  record: VaultRecord,
  clock: () => number,
): Promise<RotationOutcome> {
  const { vault, serial, onEvent } = options;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const step = <T>(name: Parameters<typeof runStep>[2], work: () => Promise<T>) =>
    runStep(onEvent, serial, name, work);

  const { user, limits } = await step('precheck', async () => {
    await identifyOrFlag(vault, connection);
    const capabilities = await getSecurityCapabilities(connection.client);
    const found = (await listUsers(connection.client)).find((u) => u.userName === record.username);
    if (!found) throw new ProtocolError(`the device lists no user named ${record.username}`);
    return { user: found, limits: capabilities.passwordLength };
  });
  if (options.signal?.aborted) return aborted(serial);
  const generate = options.passwordGenerator ?? generatePassword;
  const newPassword = await step('generate', () =>
    Promise.resolve(
      generate({ username: record.username, deviceLimit: limits, length: options.passwordLength }),
    ),
  );
  if (options.signal?.aborted) return aborted(serial);
  const consumers = consumerPhase(options, record);
  const due = adminConsumers(consumers.consumers);
  await step('persist_pending', () =>
    vault.writePending(serial, newPassword, { consumers: due.map((c) => c.id) }),
  );
  if (options.signal?.aborted) {
    await vault.discardPending(serial); // nothing was sent: the pending password never existed on the device
    return aborted(serial);
  }

  try {
    await step('apply', async () => {
      await vault.noteRequestSent(serial);
      await putUserPassword(connection.client, { user, newPassword, loginPassword: record.password });
    });
  } catch (err) {
    if (err instanceof IsapiStatusError && !(err instanceof NotActivatedError)) {
      // The device answered "no": the old password still stands.
      await vault.discardPending(serial);
      throw err;
    }
    return settleAmbiguous(options, consumers, err);
  }

  // The device holds the new password now: every second a consumer keeps the old one costs a login.
  const reports =
    due.length === 0
      ? []
      : await step('update_consumers', () =>
          updateConsumers(consumers, due, { username: record.username, password: newPassword }, 'pending'),
        );

  try {
    await step('settle', () => sleep(options.settleMs ?? DEFAULT_SETTLE_MS));
    await step('verify', () => checkUser(connection.client, connection.credential(newPassword)));
  } catch (err) {
    return settleAmbiguous(options, consumers, err);
  }
  const rotatedAt = new Date(clock()).toISOString();
  await step('commit', () => vault.commitPending(serial, new Date(rotatedAt)));
  const confirmed =
    reports.length === 0 ? [] : await step('confirm_consumers', () => confirmConsumers(consumers, reports));
  return rotated(serial, rotatedAt, confirmed);
}

/** Where the consumers find the device, and the vault that tracks them. */
function consumerPhase(options: RotateOptions, record: VaultRecord): ConsumerPhaseOptions {
  const device: ConsumerDevice = {
    serial: record.serial,
    host: options.address?.host ?? record.host ?? '',
    port: options.address?.port ?? record.port ?? undefined,
  };
  return { vault: options.vault, serial: options.serial, consumers: options.consumers ?? [], device };
}

/**
 * Reads the identity with the current password. A device that rejects it is flagged
 * needs_attention: someone else changed the password, and guessing is what locks devices.
 */
async function identifyOrFlag(vault: CredentialVault, connection: DeviceConnection): Promise<void> {
  try {
    await connection.identify();
  } catch (err) {
    if (!(err instanceof AuthFailedError)) throw err;
    await vault.markNeedsAttention(connection.serial, ATTENTION_REASONS.currentRejected);
    throw new NeedsAttentionError(connection.serial, ATTENTION_REASONS.currentRejected);
  }
}

/**
 * The PUT or the verification went wrong in a way that proves nothing: ask the device, once
 * each. Whichever password it holds, the consumers are then brought to it (the vault lists who
 * still needs it: those not reached yet, or those given a password the device did not keep).
 */
async function settleAmbiguous(
  options: RotateOptions,
  consumers: ConsumerPhaseOptions,
  cause: unknown,
): Promise<RotationOutcome> {
  const settled = await reconcileHeld(options);
  if (settled.resolution === 'needs_attention') {
    throw new NeedsAttentionError(options.serial, settled.reason ?? 'unknown');
  }
  const reports = await runStep(options.onEvent, options.serial, 'update_consumers', () =>
    refreshHeld(consumers),
  );
  if (settled.resolution !== 'pending') throw cause;
  const record = options.vault.get(options.serial);
  return rotated(
    options.serial,
    record?.lastRotation ?? new Date((options.clock ?? Date.now)()).toISOString(),
    reports,
  );
}

function rotated(serial: string, rotatedAt: string, consumers: ConsumerReport[]): RotationOutcome {
  const problem = consumers.find((c) => c.status !== 'updated' || c.outOfDate.length > 0);
  return {
    serial,
    result: 'rotated',
    reason: problem ? (problem.code ?? 'HIK_ERR_DEPENDENT_UPDATE') : null,
    rotatedAt,
    consumers,
    error: null,
  };
}

function aborted(serial: string): RotationOutcome {
  return { serial, result: 'skipped', reason: 'aborted', rotatedAt: null, consumers: [], error: null };
}

function outcome(serial: string, result: RotationResult, error: HikError): RotationOutcome {
  return { serial, result, reason: error.code, rotatedAt: null, consumers: [], error };
}

function failure(serial: string, err: unknown): RotationOutcome {
  if (err instanceof NeedsAttentionError) return outcome(serial, 'needs_attention', err);
  if (HikError.isHikError(err)) {
    return outcome(serial, err.code === 'HIK_ERR_ROTATION_BUSY' ? 'skipped' : 'failed', err);
  }
  throw err;
}
