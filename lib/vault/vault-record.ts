/**
 * The shape of one device's vault record and the checks every value passes before it is stored
 * or after it is decrypted. A record that fails the checks after decryption means the file was
 * written by something else: the caller treats it as corruption, never as an empty vault.
 */
import { InvalidArgumentError } from '../errors';

export type VaultState = 'ok' | 'pending' | 'needs_attention';
export type VaultProtocol = 'http' | 'https';

export interface PreviousPassword {
  password: string;
  /** ISO time it stopped being current. */
  until: string;
}

export interface VaultRecord {
  serial: string;
  username: string;
  /** The current password. */
  password: string;
  /** Write-ahead: set before a device is changed, resolved by commit, discard or reconcile. */
  pending: PendingPassword | null;
  /** Newest first, at most HISTORY_LIMIT. */
  previous: PreviousPassword[];
  tlsPin: string | null;
  lastRotation: string | null;
  lastVerification: string | null;
  state: VaultState;
  attentionReason: string | null;
  /**
   * Ids of consumers (lib/consumers/consumer.ts) that do not hold the current password yet: a
   * rotation committed before they took it, or a crash came first. Retried with the current one.
   */
  staleConsumers: string[];
  /** Last known address, informational: the identity is the serial. */
  host: string | null;
  port: number | null;
  protocol: VaultProtocol | null;
  /**
   * Further accounts hik guard keeps on the device, by name (`streaming`): the record's own
   * username/password is the administrator. Absent in files written before accounts existed.
   */
  accounts: Record<string, AccountRecord>;
  updatedAt: string;
}

/**
 * A named account beside the administrator, with the same write-ahead slot: `pending` is set
 * before the device is asked to create or change the account and resolved by commit, discard or
 * reconcile, one account at a time.
 */
export interface AccountRecord {
  username: string;
  /** The password the device confirmed; null while the account's creation is unresolved. */
  password: string | null;
  pending: PendingPassword | null;
  /** Newest first, at most HISTORY_LIMIT. */
  previous: PreviousPassword[];
  /** The device's id of the user, once seen in its user list. */
  userId: number | null;
  lastRotation: string | null;
}

export interface PendingPassword {
  password: string;
  /** ISO time the change started. */
  since: string;
  /**
   * When the current password was found not to open the device during this unresolved change:
   * the device refused it, or was inactive (a reset device holds no password). Null: not known.
   * Kept on disk so no process, restarted or not, spends a login on it again.
   */
  currentRejectedAt: string | null;
  /**
   * When the change request was about to go out (written just before it is sent): the device has
   * most likely taken the pending password, so reconcile tries it first. Null: never sent.
   */
  requestSentAt: string | null;
  /**
   * Write-ahead for consumers: the ids that must get the pending password once the device took
   * it, and those that did. Commit leaves the rest stale; a discard makes the updated ones stale.
   */
  consumers: string[];
  consumersUpdated: string[];
}

export interface EnrolInput {
  serial: string;
  username: string;
  password: string;
  host?: string;
  port?: number;
  protocol?: VaultProtocol;
  tlsPin?: string | null;
}

export type RecordPatch = Partial<
  Pick<VaultRecord, 'tlsPin' | 'lastVerification' | 'host' | 'port' | 'protocol' | 'username'>
>;

export const HISTORY_LIMIT = 5;

const SERIAL = /^[\x21-\x7e]{1,64}$/;
/** Lower-case words; `admin` is the record itself and never a named account. */
const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const STATES: readonly string[] = ['ok', 'pending', 'needs_attention'];

/** Thrown by the checks below; the message names the field, never its value. */
class FieldError extends InvalidArgumentError {}

export function isValidAccountName(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_NAME.test(value) && value !== 'admin';
}

export function accountNameField(value: unknown): string {
  if (!isValidAccountName(value)) {
    throw new FieldError("an account name is 1 to 32 lower-case letters, digits or '-', and not 'admin'");
  }
  return value;
}

export function isValidSerial(value: unknown): value is string {
  return typeof value === 'string' && SERIAL.test(value);
}

function serialField(value: unknown): string {
  if (!isValidSerial(value)) throw new FieldError('serial must be 1 to 64 printable ASCII characters');
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new FieldError(`${field} must be a non-empty string`);
  return value;
}

function textOrNull(value: unknown, field: string): string | null {
  return value === null ? null : text(value, field);
}

function timeOrNull(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new FieldError(`${field} must be an ISO time or null`);
  }
  return value;
}

function time(value: unknown, field: string): string {
  const parsed = timeOrNull(value, field);
  if (parsed === null) throw new FieldError(`${field} must be an ISO time`);
  return parsed;
}

function portOrNull(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new FieldError('port must be an integer from 1 to 65535 or null');
  }
  return value;
}

function protocolOrNull(value: unknown): VaultProtocol | null {
  if (value === null || value === 'http' || value === 'https') return value;
  throw new FieldError("protocol must be 'http', 'https' or null");
}

/** A validated new record for `enrol`; throws InvalidArgumentError naming the bad field. */
export function newRecord(input: EnrolInput, now: string): VaultRecord {
  return {
    serial: serialField(input.serial),
    username: text(input.username, 'username'),
    password: text(input.password, 'password'),
    pending: null,
    previous: [],
    tlsPin: textOrNull(input.tlsPin ?? null, 'tlsPin'),
    lastRotation: null,
    lastVerification: null,
    state: 'ok',
    attentionReason: null,
    staleConsumers: [],
    host: textOrNull(input.host ?? null, 'host'),
    port: portOrNull(input.port ?? null),
    protocol: protocolOrNull(input.protocol ?? null),
    accounts: {},
    updatedAt: now,
  };
}

/** Validates an `update` patch; only the listed fields may change. */
export function checkPatch(patch: RecordPatch): RecordPatch {
  const checked: RecordPatch = {};
  for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
    if (value === undefined) continue;
    switch (key) {
      case 'tlsPin':
      case 'host':
        checked[key] = textOrNull(value, key);
        break;
      case 'lastVerification':
        checked[key] = timeOrNull(value, key);
        break;
      case 'port':
        checked.port = portOrNull(value);
        break;
      case 'protocol':
        checked.protocol = protocolOrNull(value);
        break;
      case 'username':
        checked.username = text(value, key);
        break;
      default:
        throw new FieldError(`update cannot change '${String(key)}'`);
    }
  }
  return checked;
}

/**
 * Reads a decrypted record back, field by field. Throws InvalidArgumentError on anything that is
 * not a record this module wrote; `expectedSerial` is the serial the record was sealed under.
 */
export function readRecord(value: unknown, expectedSerial: string): VaultRecord {
  if (typeof value !== 'object' || value === null) throw new FieldError('record is not an object');
  const r = value as Record<string, unknown>;
  if (r.serial !== expectedSerial) throw new FieldError('record serial differs from its envelope');
  if (typeof r.state !== 'string' || !STATES.includes(r.state)) throw new FieldError('bad state');
  if (!Array.isArray(r.previous) || r.previous.length > HISTORY_LIMIT) throw new FieldError('bad history');
  return {
    serial: serialField(r.serial),
    username: text(r.username, 'username'),
    password: text(r.password, 'password'),
    pending: readPending(r.pending),
    previous: r.previous.map(readPrevious),
    tlsPin: textOrNull(r.tlsPin, 'tlsPin'),
    lastRotation: timeOrNull(r.lastRotation, 'lastRotation'),
    lastVerification: timeOrNull(r.lastVerification, 'lastVerification'),
    state: r.state as VaultState,
    attentionReason: textOrNull(r.attentionReason, 'attentionReason'),
    // Absent in files written before consumers were tracked: none known stale.
    staleConsumers: idList(r.staleConsumers ?? [], 'staleConsumers'),
    host: textOrNull(r.host, 'host'),
    port: portOrNull(r.port),
    protocol: protocolOrNull(r.protocol),
    // Files written before named accounts existed have none.
    accounts: readAccounts(r.accounts ?? {}),
    updatedAt: time(r.updatedAt, 'updatedAt'),
  };
}

function readAccounts(value: unknown): Record<string, AccountRecord> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FieldError('bad accounts');
  const accounts: Record<string, AccountRecord> = {};
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    accounts[accountNameField(name)] = readAccount(entry);
  }
  return accounts;
}

function readAccount(value: unknown): AccountRecord {
  if (typeof value !== 'object' || value === null) throw new FieldError('bad account');
  const a = value as Record<string, unknown>;
  if (!Array.isArray(a.previous) || a.previous.length > HISTORY_LIMIT)
    throw new FieldError('bad account history');
  const userId = a.userId;
  if (userId !== null && (typeof userId !== 'number' || !Number.isInteger(userId) || userId < 1)) {
    throw new FieldError('account userId must be a positive integer or null');
  }
  const account: AccountRecord = {
    username: text(a.username, 'account.username'),
    password: textOrNull(a.password, 'account.password'),
    pending: readPending(a.pending),
    previous: a.previous.map(readPrevious),
    userId,
    lastRotation: timeOrNull(a.lastRotation, 'account.lastRotation'),
  };
  if (account.password === null && account.pending === null)
    throw new FieldError('account holds no password');
  return account;
}

function readPrevious(p: unknown): PreviousPassword {
  const entry = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
  return {
    password: text(entry.password, 'previous.password'),
    until: time(entry.until, 'previous.until'),
  };
}

function readPending(value: unknown): VaultRecord['pending'] {
  if (value === null) return null;
  if (typeof value !== 'object') throw new FieldError('bad pending');
  const p = value as Record<string, unknown>;
  return {
    password: text(p.password, 'pending.password'),
    since: time(p.since, 'pending.since'),
    // Absent in files written before the field existed: nothing was seen then.
    currentRejectedAt: timeOrNull(p.currentRejectedAt ?? null, 'pending.currentRejectedAt'),
    requestSentAt: timeOrNull(p.requestSentAt ?? null, 'pending.requestSentAt'),
    consumers: idList(p.consumers ?? [], 'pending.consumers'),
    consumersUpdated: idList(p.consumersUpdated ?? [], 'pending.consumersUpdated'),
  };
}

/** A list of consumer ids: distinct non-empty strings. */
export function idList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new FieldError(`${field} must be a list`);
  const ids = value.map((id: unknown) => text(id, field));
  if (new Set(ids).size !== ids.length) throw new FieldError(`${field} lists an id twice`);
  return ids;
}
