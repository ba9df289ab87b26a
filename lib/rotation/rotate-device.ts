/**
 * The rotation of one device's password, write-ahead like HashiCorp Vault's static roles:
 *
 *   precheck -> generate -> persist pending -> PUT users/<id> -> settle -> verify(new)
 *     -> update dependents (recorder channels) -> commit -> report
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
import { updateDependentChannels, type DependentResult, type RecorderLink } from './dependent-channels';
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
  /** Error code (`HIK_ERR_*`) or `aborted`; for `rotated`, set when a dependent was not updated. */
  reason: ResultReason | null;
  /** ISO time of the commit, for `rotated`. */
  rotatedAt: string | null;
  dependents: DependentResult[];
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
  /** Enrolled recorders that may record this camera; their matching channels get the new password. */
  recorders?: readonly RecorderLink[] | undefined;
  /** Match recorder channels on this `managePortNo` as well as the camera's address. */
  channelPort?: number | undefined;
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
  dependentPollMs?: number | undefined;
  dependentTimeoutMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  clock?: (() => number) | undefined;
}

export const DEFAULT_SETTLE_MS = 2_000;

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
  await step('persist_pending', () => vault.writePending(serial, newPassword));
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
    return settleAmbiguous(options, err);
  }

  try {
    await step('settle', () => sleep(options.settleMs ?? DEFAULT_SETTLE_MS));
    await step('verify', () => checkUser(connection.client, connection.credential(newPassword)));
  } catch (err) {
    return settleAmbiguous(options, err);
  }
  return finish(options, newPassword, clock, { commit: true });
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

/** The PUT or the verification went wrong in a way that proves nothing: ask the device, once each. */
async function settleAmbiguous(options: RotateOptions, cause: unknown): Promise<RotationOutcome> {
  const settled = await reconcileHeld(options);
  switch (settled.resolution) {
    case 'pending': {
      const record = options.vault.get(options.serial);
      return finish(options, record?.password ?? '', options.clock ?? Date.now, { commit: false });
    }
    case 'needs_attention':
      throw new NeedsAttentionError(options.serial, settled.reason ?? 'unknown');
    default:
      throw cause;
  }
}

async function finish(
  options: RotateOptions,
  newPassword: string,
  clock: () => number,
  how: { commit: boolean },
): Promise<RotationOutcome> {
  const { vault, serial, onEvent } = options;
  const record = vault.get(serial);
  const cameraHost = options.address?.host ?? record?.host;
  const recorders = options.recorders ?? [];
  let dependents: DependentResult[] = [];
  if (recorders.length > 0 && cameraHost) {
    dependents = await runStep(onEvent, serial, 'update_dependents', () =>
      updateDependentChannels({
        ...options,
        camera: { host: cameraHost, channelPort: options.channelPort },
        recorders,
        password: newPassword,
        pollMs: options.dependentPollMs,
        onlineTimeoutMs: options.dependentTimeoutMs,
        sleep: options.sleep ?? ((ms: number) => delay(ms)),
        clock,
      }),
    );
  }
  const rotatedAt = new Date(clock()).toISOString();
  if (how.commit)
    await runStep(onEvent, serial, 'commit', () => vault.commitPending(serial, new Date(rotatedAt)));
  const problem = dependents.find((d) => d.code !== null);
  return {
    serial,
    result: 'rotated',
    reason: problem?.code ?? null,
    rotatedAt,
    dependents,
    error: null,
  };
}

function aborted(serial: string): RotationOutcome {
  return { serial, result: 'skipped', reason: 'aborted', rotatedAt: null, dependents: [], error: null };
}

function outcome(serial: string, result: RotationResult, error: HikError): RotationOutcome {
  return { serial, result, reason: error.code, rotatedAt: null, dependents: [], error };
}

function failure(serial: string, err: unknown): RotationOutcome {
  if (err instanceof NeedsAttentionError) return outcome(serial, 'needs_attention', err);
  if (HikError.isHikError(err)) {
    return outcome(serial, err.code === 'HIK_ERR_ROTATION_BUSY' ? 'skipped' : 'failed', err);
  }
  throw err;
}
