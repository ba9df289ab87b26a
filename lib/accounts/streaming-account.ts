/**
 * The dedicated streaming account: a low-privilege user (live view and playback only) that hik
 * guard creates on a device and hands to stream consumers (go2rtc, Frigate, Home Assistant, the
 * recorder), so the administrator's password can rotate without touching any stream
 * (docs/protocol/users-and-onvif.md; the vendors' hardening guides recommend exactly this).
 *
 * Both operations are write-ahead like the administrator's rotation, one account at a time:
 *
 *   create: precheck (admin identifies the device; the name is free) -> generate -> persist
 *           pending -> POST users (id from the answer, else from the list) -> rights -> verify
 *           (one login as the new user) -> commit
 *   rotate: precheck (the user is still there) -> generate -> persist pending -> PUT users/<id>
 *           -> verify -> commit
 *
 * Every request goes through the login guard. A crash or an answer that proves nothing is settled
 * by reconcile: as administrator it looks the user up; a creation that never reached the device is
 * dropped; otherwise it sets the pending password again (the administrator may, without knowing
 * the old one, so no password is ever guessed) with the rights, verifies and commits.
 */
import type { Consumer, ConsumerReport } from '../consumers/consumer';
import {
  AccountMissingError,
  AccountNameTakenError,
  HttpPasswordChangeRefusedError,
  IsapiStatusError,
  NeedsAttentionError,
  NotActivatedError,
  VaultRecordMissingError,
} from '../errors';
import {
  checkUser,
  getSecurityCapabilities,
  listUsers,
  putUserPassword,
  type DeviceUser,
} from '../isapi/endpoints/security';
import { addUser, putUserPermission, STREAMING_RIGHTS } from '../isapi/endpoints/users';
import { DeviceConnection, type ConnectionOptions, type DeviceAddress } from '../rotation/device-connection';
import { defaultDeviceLocks, type DeviceLocks } from '../rotation/device-locks';
import { generatePassword, type PasswordPolicyOptions } from '../rotation/password-policy';
import {
  confirmConsumers,
  refreshHeld,
  updateConsumers,
  type ConsumerPhaseOptions,
} from '../rotation/consumer-updates';
import { reconcileHeld } from '../rotation/reconcile-device';
import { runStep, type RotationListener, type RotationStep } from '../rotation/rotation-steps';
import type { AccountRecord, CredentialVault, VaultRecord } from '../vault/credential-vault';

/** The vault's name for the account. */
export const STREAMING_ACCOUNT = 'streaming';
/** The device user name hik guard gives it unless told otherwise. */
export const DEFAULT_STREAMING_USERNAME = 'hikstream';

export interface StreamingAccountOptions extends ConnectionOptions {
  vault: CredentialVault;
  serial: string;
  /** Where to reach the device, when newer than its vault record. */
  address?: DeviceAddress | undefined;
  /** The per-device opt-in to send a password over plain HTTP. Default false. */
  allowHttpPasswordChange?: boolean | undefined;
  /** Wanted password length (clamped to the device's limits). Default 16. */
  passwordLength?: number | undefined;
  passwordGenerator?: ((policy: PasswordPolicyOptions) => string) | undefined;
  /** Step events (account `streaming`); a returned promise holds the step, as for rotations. */
  onEvent?: RotationListener | undefined;
  locks?: DeviceLocks | undefined;
  /**
   * The device's consumers; those of the streaming account get its new password the moment the
   * device took it, write-ahead like the admin's (the vault lists them with the pending password).
   */
  consumers?: readonly Consumer[] | undefined;
}

export type StreamingAccountResult =
  'created' | 'exists' | 'rotated' | 'reconciled' | 'nothing_pending' | 'dropped';

export interface StreamingAccountOutcome {
  serial: string;
  result: StreamingAccountResult;
  username: string | null;
  userId: number | null;
  /** What the account's consumers made of a new password (empty when none was handed out). */
  consumers: ConsumerReport[];
}

/** What a stream consumer is given: the account's user name and current password. */
export interface StreamingCredential {
  username: string;
  password: string;
}

/** The streaming account's credential from the vault, or null when there is none (yet). */
export function streamingCredential(vault: CredentialVault, serial: string): StreamingCredential | null {
  const account = vault.get(serial)?.accounts[STREAMING_ACCOUNT];
  if (!account?.password) return null;
  return { username: account.username, password: account.password };
}

/** Creates the account; an account the vault already holds is left as it is (`exists`). */
export function createStreamingAccount(
  options: StreamingAccountOptions & { username?: string | undefined },
): Promise<StreamingAccountOutcome> {
  return held(options, async (record) => {
    const existing = record.accounts[STREAMING_ACCOUNT];
    if (existing) {
      const settled = existing.pending ? await reconcileAccountHeld(options) : null;
      const now = options.vault.get(options.serial)?.accounts[STREAMING_ACCOUNT];
      if (now) return outcome(options.serial, 'exists', now);
      if (settled?.result !== 'dropped')
        throw new AccountMissingError(options.serial, STREAMING_ACCOUNT, 'device');
    }
    const username = options.username ?? DEFAULT_STREAMING_USERNAME;
    return withConnection(options, record, (connection) => create(options, connection, username));
  });
}

/** Gives the account a new password. */
export function rotateStreamingAccount(options: StreamingAccountOptions): Promise<StreamingAccountOutcome> {
  return held(options, async (record) => {
    let account = record.accounts[STREAMING_ACCOUNT];
    if (!account) throw new AccountMissingError(options.serial, STREAMING_ACCOUNT, 'vault');
    if (account.pending) {
      await reconcileAccountHeld(options);
      account = options.vault.get(options.serial)?.accounts[STREAMING_ACCOUNT];
      if (!account) throw new AccountMissingError(options.serial, STREAMING_ACCOUNT, 'vault');
    }
    const current = account;
    return withConnection(options, record, (connection) => rotate(options, connection, record, current));
  });
}

/** Settles an unfinished creation or rotation of the account (nothing to do: `nothing_pending`). */
export function reconcileStreamingAccount(
  options: StreamingAccountOptions,
): Promise<StreamingAccountOutcome> {
  return (options.locks ?? defaultDeviceLocks()).run(options.serial, () => reconcileAccountHeld(options), {
    wait: true,
  });
}

/** The reconcile itself, for callers that hold the device's lock (an admin reconcile, say). */
export async function reconcileAccountHeld(
  options: StreamingAccountOptions,
): Promise<StreamingAccountOutcome> {
  const { vault, serial } = options;
  const record = vault.get(serial);
  if (!record) throw new VaultRecordMissingError(serial);
  const account = record.accounts[STREAMING_ACCOUNT];
  if (!account?.pending) {
    return {
      serial,
      result: 'nothing_pending',
      username: account?.username ?? null,
      userId: account?.userId ?? null,
      consumers: [],
    };
  }
  const pending = account.pending;
  return step(options, 'reconcile', () =>
    withConnection(options, record, async (connection) => {
      await connection.identify();
      const user = (await listUsers(connection.client)).find((u) => u.userName === account.username);
      if (!user) {
        if (account.password !== null) {
          // Someone removed the user: nothing of it is left to finish.
          await vault.removeAccount(serial, STREAMING_ACCOUNT);
          throw new AccountMissingError(serial, STREAMING_ACCOUNT, 'device');
        }
        await vault.discardAccountPending(serial, STREAMING_ACCOUNT);
        return {
          serial,
          result: 'dropped',
          username: account.username,
          userId: null,
          consumers: [],
        };
      }
      if (account.password === null && pending.requestSentAt === null) {
        // The creation request never went out, so this user is not ours.
        await vault.discardAccountPending(serial, STREAMING_ACCOUNT);
        throw new AccountNameTakenError(serial, account.username);
      }
      await putUserPassword(connection.client, {
        user,
        newPassword: pending.password,
        loginPassword: record.password,
      });
      await putUserPermission(connection.client, user.id, { userType: 'viewer', remote: STREAMING_RIGHTS });
      await checkUser(connection.client, { username: user.userName, password: pending.password });
      await vault.commitAccountPending(serial, STREAMING_ACCOUNT, { userId: user.id });
      // Consumers the interrupted change did not reach are stale now: bring them to it at once.
      const consumers =
        (options.consumers ?? []).length === 0 ? [] : await refreshHeld(consumerPhase(options));
      return {
        serial,
        result: 'reconciled',
        username: user.userName,
        userId: user.id,
        consumers,
      };
    }),
  );
}

async function create(
  options: StreamingAccountOptions,
  connection: DeviceConnection,
  username: string,
): Promise<StreamingAccountOutcome> {
  const { vault, serial } = options;
  const limits = await step(options, 'precheck', async () => {
    await connection.identify();
    if ((await listUsers(connection.client)).some((u) => u.userName === username)) {
      throw new AccountNameTakenError(serial, username);
    }
    return (await getSecurityCapabilities(connection.client)).passwordLength;
  });
  const password = await step(options, 'generate', () =>
    Promise.resolve(newPassword(options, username, limits)),
  );
  const due = streamingConsumers(options);
  await step(options, 'persist_pending', () =>
    vault.writeAccountPending(serial, STREAMING_ACCOUNT, { username, password, consumers: ids(due) }),
  );
  let userId: number;
  try {
    userId = await step(options, 'apply', async () => {
      await vault.noteAccountRequestSent(serial, STREAMING_ACCOUNT);
      const echoed = await addUser(connection.client, { userName: username, password, userLevel: 'Viewer' });
      // Some firmware does not name the new id: the list does.
      return echoed ?? (await userNamed(connection, username)).id;
    });
  } catch (err) {
    return refusedOrSettle(options, err);
  }
  try {
    await step(options, 'permissions', () =>
      putUserPermission(connection.client, userId, { userType: 'viewer', remote: STREAMING_RIGHTS }),
    );
    await step(options, 'verify', () => checkUser(connection.client, { username, password }));
  } catch (err) {
    return settle(options, err);
  }
  // Only now may the consumers log in with it: the user exists, with its rights, and works.
  const reports = await handOut(options, due, { username, password });
  await step(options, 'commit', () => vault.commitAccountPending(serial, STREAMING_ACCOUNT, { userId }));
  return { serial, result: 'created', username, userId, consumers: await confirmed(options, reports) };
}

async function rotate(
  options: StreamingAccountOptions,
  connection: DeviceConnection,
  record: VaultRecord,
  account: AccountRecord,
): Promise<StreamingAccountOutcome> {
  const { vault, serial } = options;
  const { user, limits } = await step(options, 'precheck', async () => {
    await connection.identify();
    const found = (await listUsers(connection.client)).find((u) => u.userName === account.username);
    if (!found) throw new AccountMissingError(serial, STREAMING_ACCOUNT, 'device');
    return { user: found, limits: (await getSecurityCapabilities(connection.client)).passwordLength };
  });
  const password = await step(options, 'generate', () =>
    Promise.resolve(newPassword(options, account.username, limits)),
  );
  const due = streamingConsumers(options);
  await step(options, 'persist_pending', () =>
    vault.writeAccountPending(serial, STREAMING_ACCOUNT, {
      username: account.username,
      password,
      consumers: ids(due),
    }),
  );
  try {
    await step(options, 'apply', async () => {
      await vault.noteAccountRequestSent(serial, STREAMING_ACCOUNT);
      await putUserPassword(connection.client, {
        user,
        newPassword: password,
        loginPassword: record.password,
      });
    });
  } catch (err) {
    return refusedOrSettle(options, err);
  }
  // The device holds the new password: every second a consumer keeps the old one may cost a login.
  const reports = await handOut(options, due, { username: user.userName, password });
  try {
    await step(options, 'verify', () => checkUser(connection.client, { username: user.userName, password }));
  } catch (err) {
    return settle(options, err);
  }
  await step(options, 'commit', () =>
    vault.commitAccountPending(serial, STREAMING_ACCOUNT, { userId: user.id }),
  );
  return {
    serial,
    result: 'rotated',
    username: user.userName,
    userId: user.id,
    consumers: await confirmed(options, reports),
  };
}

/** The consumers that log in with the streaming account. */
function streamingConsumers(options: StreamingAccountOptions): Consumer[] {
  return (options.consumers ?? []).filter((c) => c.account === STREAMING_ACCOUNT);
}

function ids(consumers: readonly Consumer[]): string[] {
  return consumers.map((c) => c.id);
}

/** Gives the account's pending password to its consumers; the vault notes who took it. */
async function handOut(
  options: StreamingAccountOptions,
  due: readonly Consumer[],
  credential: StreamingCredential,
): Promise<ConsumerReport[]> {
  if (due.length === 0) return [];
  return step(options, 'update_consumers', () =>
    updateConsumers(consumerPhase(options), due, credential, { pendingOf: STREAMING_ACCOUNT }),
  );
}

/** After the commit: the consumers that can tell whether they work (recorder channels) are asked. */
async function confirmed(
  options: StreamingAccountOptions,
  reports: readonly ConsumerReport[],
): Promise<ConsumerReport[]> {
  if (reports.length === 0) return [];
  return step(options, 'confirm_consumers', () => confirmConsumers(consumerPhase(options), reports));
}

function consumerPhase(options: StreamingAccountOptions): ConsumerPhaseOptions {
  const record = options.vault.get(options.serial);
  return {
    vault: options.vault,
    serial: options.serial,
    consumers: options.consumers ?? [],
    device: {
      serial: options.serial,
      host: options.address?.host ?? record?.host ?? '',
      port: options.address?.port ?? record?.port ?? undefined,
    },
  };
}

/** The device said no: nothing changed, the pending password goes. Anything else: reconcile. */
async function refusedOrSettle(
  options: StreamingAccountOptions,
  err: unknown,
): Promise<StreamingAccountOutcome> {
  if (err instanceof IsapiStatusError && !(err instanceof NotActivatedError)) {
    await options.vault.discardAccountPending(options.serial, STREAMING_ACCOUNT);
    throw err;
  }
  return settle(options, err);
}

/** An answer that proved nothing: reconcile once; if that cannot finish either, the first error stands. */
async function settle(options: StreamingAccountOptions, cause: unknown): Promise<StreamingAccountOutcome> {
  try {
    return await reconcileAccountHeld(options);
  } catch (err) {
    // What reconcile found out for certain says more than the inconclusive first answer.
    if (err instanceof AccountMissingError || err instanceof AccountNameTakenError) throw err;
    throw cause;
  }
}

async function userNamed(connection: DeviceConnection, username: string): Promise<DeviceUser> {
  const user = (await listUsers(connection.client)).find((u) => u.userName === username);
  if (!user) throw new AccountMissingError(connection.serial, STREAMING_ACCOUNT, 'device');
  return user;
}

function newPassword(
  options: StreamingAccountOptions,
  username: string,
  limits: PasswordPolicyOptions['deviceLimit'],
): string {
  const generate = options.passwordGenerator ?? generatePassword;
  return generate({ username, deviceLimit: limits, length: options.passwordLength });
}

/** Holds the device, settles an unfinished admin change first, refuses plain HTTP without the opt-in. */
async function held(
  options: StreamingAccountOptions,
  work: (record: VaultRecord) => Promise<StreamingAccountOutcome>,
): Promise<StreamingAccountOutcome> {
  return (options.locks ?? defaultDeviceLocks()).run(options.serial, async () => {
    let record = options.vault.get(options.serial);
    if (!record) throw new VaultRecordMissingError(options.serial);
    if (record.pending) {
      const settled = await reconcileHeld(options);
      if (settled.resolution === 'needs_attention') {
        throw new NeedsAttentionError(options.serial, settled.reason ?? 'unknown');
      }
      record = options.vault.get(options.serial);
      if (!record) throw new VaultRecordMissingError(options.serial);
    }
    if (record.state === 'needs_attention') {
      throw new NeedsAttentionError(options.serial, record.attentionReason ?? 'unknown');
    }
    const protocol = options.address?.protocol ?? record.protocol ?? 'https';
    if (protocol === 'http' && !options.allowHttpPasswordChange) {
      throw new HttpPasswordChangeRefusedError(options.serial);
    }
    return work(record);
  });
}

async function withConnection<T>(
  options: StreamingAccountOptions,
  record: VaultRecord,
  work: (connection: DeviceConnection) => Promise<T>,
): Promise<T> {
  const connection = new DeviceConnection(options.vault, record, options.address, options);
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

function step<T>(options: StreamingAccountOptions, name: RotationStep, work: () => Promise<T>): Promise<T> {
  const listener = options.onEvent;
  const tagged: RotationListener | undefined =
    listener && ((event) => listener({ ...event, account: STREAMING_ACCOUNT }));
  return runStep(tagged, options.serial, name, work);
}

function outcome(
  serial: string,
  result: StreamingAccountResult,
  account: AccountRecord,
): StreamingAccountOutcome {
  return { serial, result, username: account.username, userId: account.userId, consumers: [] };
}
