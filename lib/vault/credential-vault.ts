/**
 * The credential vault: every device password after enrolment, keyed by serial, with a
 * write-ahead `pending` slot and a history of five, in one encrypted file (see vault-format.ts,
 * vault-file.ts, vault-lock.ts). Changes are serialised through one queue and each resolves only
 * once it is durable; if a write fails, memory keeps the previous state, so it never claims what
 * the disk does not hold. No password ever appears in an error message.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  InvalidArgumentError,
  VaultCorruptError,
  VaultNotFoundError,
  VaultPendingExistsError,
  VaultRecordExistsError,
  VaultRecordMissingError,
  WrongVaultKeyError,
} from '../errors';
import { newKdfParams, VaultSecret, type KdfParams } from './vault-crypto';
import { DIR_MODE, VaultFileStore, type VaultFileSystem } from './vault-file';
import { decodeVault, encodeVault, type DecodeResult } from './vault-format';
import { acquireVaultLock, type VaultLock } from './vault-lock';
import {
  accountNameField,
  checkPatch,
  HISTORY_LIMIT,
  idList,
  newRecord,
  type AccountRecord,
  type EnrolInput,
  type RecordPatch,
  type VaultRecord,
} from './vault-record';

export type { AccountRecord, EnrolInput, PreviousPassword, VaultRecord, VaultState } from './vault-record';
export { VaultSecret } from './vault-crypto';

/** The main file was damaged or missing and the vault was opened from `<file>.bak`. */
export interface VaultRecovery {
  file: string;
  from: string;
  /** Where the damaged main file was moved (writable opens), or null. */
  damagedCopy: string | null;
  detail: string;
}

export interface VaultOpenOptions {
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number;
  /** Read only: no lock file, nothing written, no file created (a missing vault is an error). */
  readOnly?: boolean;
  /** Told once when the vault had to be opened from its backup copy. */
  onRecovered?: (recovery: VaultRecovery) => void;
  /** For tests that fail a write step; default the real file system. */
  fileSystem?: VaultFileSystem;
}

interface Loaded {
  kdf: KdfParams;
  records: VaultRecord[];
  bytes: Buffer | null;
  recovery: Omit<VaultRecovery, 'damagedCopy'> | null;
}

export class CredentialVault {
  readonly file: string;
  readonly readOnly: boolean;
  /** Set when this open had to fall back to the backup copy. */
  recovery: VaultRecovery | null = null;
  // True private fields: a vault that ends up in a log or util.inspect shows no password or key.
  #records: ReadonlyMap<string, VaultRecord>;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #kdf: KdfParams;
  readonly #key: Buffer;
  readonly #store: VaultFileStore;
  readonly #lock: VaultLock | null;
  readonly #clock: () => number;

  private constructor(
    file: string,
    records: VaultRecord[],
    parts: {
      kdf: KdfParams;
      key: Buffer;
      store: VaultFileStore;
      lock: VaultLock | null;
      clock: () => number;
    },
  ) {
    this.file = file;
    this.readOnly = parts.lock === null;
    this.#records = new Map(records.map((r) => [r.serial, r]));
    this.#kdf = parts.kdf;
    this.#key = parts.key;
    this.#store = parts.store;
    this.#lock = parts.lock;
    this.#clock = parts.clock;
  }

  /** Opens (creating if absent, mode 0600, parent dir 0700) `file` with a key derived from `secret`. */
  static async open(
    file: string,
    secret: string | VaultSecret,
    options: VaultOpenOptions = {},
  ): Promise<CredentialVault> {
    const path = resolve(file);
    const vaultSecret = VaultSecret.from(secret);
    const clock = options.clock ?? Date.now;
    const store = new VaultFileStore(path, options.fileSystem);
    if (!options.readOnly) await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
    const lock = options.readOnly ? null : await acquireVaultLock(path);
    try {
      const loaded = await load(store, vaultSecret, !options.readOnly);
      const key = await vaultSecret.keyFor(loaded.kdf);
      const vault = new CredentialVault(path, loaded.records, { kdf: loaded.kdf, key, store, lock, clock });
      if (lock) await store.removeStaleTemps();
      if (loaded.bytes) store.adopt(loaded.bytes);
      if (loaded.recovery) {
        const damagedCopy =
          lock && (await store.read(path)) !== null ? await store.setAside(new Date(clock())) : null;
        if (lock && loaded.bytes) await store.restore(loaded.bytes);
        vault.recovery = { ...loaded.recovery, damagedCopy };
        options.onRecovered?.(vault.recovery);
      } else if (!loaded.bytes && lock) {
        await store.write(encodeVault(loaded.kdf, key, []));
      }
      return vault;
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  /** A deep copy of the record, or undefined. */
  get(serial: string): VaultRecord | undefined {
    const record = this.#records.get(serial);
    return record ? structuredClone(record) : undefined;
  }

  /** Copies of every record, sorted by serial. */
  list(): VaultRecord[] {
    return sorted([...this.#records.values()]).map((r) => structuredClone(r));
  }

  /** Serials of records with a pending password: reconcile these before any other work. */
  pendingSerials(): string[] {
    return sorted([...this.#records.values()].filter((r) => r.pending !== null)).map((r) => r.serial);
  }

  /** Adds a new device (state ok). Throws VaultRecordExistsError if the serial is enrolled. */
  async enrol(input: EnrolInput): Promise<VaultRecord> {
    const record = newRecord(input, this.now().toISOString());
    await this.commit(() => {
      if (this.#records.has(record.serial)) throw new VaultRecordExistsError(record.serial);
      return record;
    });
    return structuredClone(record);
  }

  /**
   * Records `password` as pending and resolves once that is on disk (file and directory synced):
   * only then may the device be changed. The same pending password again is a no-op; a different
   * one while one is pending throws VaultPendingExistsError (it may be the device's password).
   * `currentUnusable`: the current password is known not to open the device (it was reset), so
   * reconcile goes straight to the pending one; recorded in the same write. `consumers`: ids of
   * the consumers that must get the new password once the device took it (write-ahead for them).
   */
  async writePending(
    serial: string,
    password: string,
    options: { currentUnusable?: boolean; consumers?: readonly string[] } = {},
  ): Promise<void> {
    requirePassword(password);
    const consumers = idList([...(options.consumers ?? [])], 'consumers');
    await this.change(serial, (record, now) => {
      if (record.pending) {
        if (record.pending.password === password) return null;
        throw new VaultPendingExistsError(serial);
      }
      return {
        ...record,
        pending: {
          password,
          since: now.toISOString(),
          currentRejectedAt: options.currentUnusable ? now.toISOString() : null,
          requestSentAt: null,
          consumers,
          consumersUpdated: [],
        },
        state: 'pending',
      };
    });
  }

  /**
   * The pending password becomes current; the old current goes to the history (until = `at`).
   * Consumers of the change that did not get it yet become stale (still to be updated).
   */
  async commitPending(serial: string, at?: Date): Promise<void> {
    await this.change(serial, (record, now) => {
      if (!record.pending) throw new InvalidArgumentError(`device ${serial} has no pending password`);
      const when = (at ?? now).toISOString();
      const { consumers, consumersUpdated } = record.pending;
      const stale = union(record.staleConsumers, consumers).filter((id) => !consumersUpdated.includes(id));
      return {
        ...record,
        staleConsumers: stale,
        password: record.pending.password,
        pending: null,
        previous: [{ password: record.password, until: when }, ...record.previous].slice(0, HISTORY_LIMIT),
        lastRotation: when,
        state: 'ok',
        attentionReason: null,
      };
    });
  }

  /** Reconcile proved the pending password works: same as commitPending. */
  adoptPending(serial: string, at?: Date): Promise<void> {
    return this.commitPending(serial, at);
  }

  /**
   * The current password was proven to work: the pending one is dropped, state ok. Consumers
   * that were already given the pending password are stale: they need the current one again.
   */
  async discardPending(serial: string): Promise<void> {
    await this.change(serial, (record) => ({
      ...record,
      staleConsumers: union(record.staleConsumers, record.pending?.consumersUpdated ?? []),
      pending: null,
      state: 'ok',
      attentionReason: null,
    }));
  }

  /**
   * A consumer now holds the `pending` password (during a change, once the device took it) or the
   * `current` one (a stale consumer brought up to date). A note that no longer fits (the change
   * was resolved meanwhile) writes nothing, so the consumer stays due for an update.
   */
  async noteConsumerUpdated(serial: string, consumerId: string, holds: 'pending' | 'current'): Promise<void> {
    await this.change(serial, (record) => {
      if (holds === 'pending') {
        const pending = record.pending;
        if (!pending || !pending.consumers.includes(consumerId)) return null;
        if (pending.consumersUpdated.includes(consumerId)) return null;
        return {
          ...record,
          pending: { ...pending, consumersUpdated: [...pending.consumersUpdated, consumerId] },
        };
      }
      if (record.pending || !record.staleConsumers.includes(consumerId)) return null;
      return { ...record, staleConsumers: record.staleConsumers.filter((id) => id !== consumerId) };
    });
  }

  /**
   * A consumer turned out not to work with the current password after all (a recorder channel
   * stayed offline): it is due for another update with the current one.
   */
  async markConsumerStale(serial: string, consumerId: string): Promise<void> {
    await this.change(serial, (record) =>
      record.staleConsumers.includes(consumerId)
        ? null
        : { ...record, staleConsumers: [...record.staleConsumers, consumerId] },
    );
  }

  /** Forgets stale consumers that are no longer configured (none of `known`). */
  async forgetConsumers(serial: string, known: readonly string[]): Promise<void> {
    await this.change(serial, (record) => {
      const kept = record.staleConsumers.filter((id) => known.includes(id));
      return kept.length === record.staleConsumers.length ? null : { ...record, staleConsumers: kept };
    });
  }

  /**
   * The current password cannot open the device while a change is unresolved (refused, or the
   * device is inactive): remembered with the pending password, so no process tries it again
   * before the change is resolved.
   */
  async noteCurrentRejected(serial: string): Promise<void> {
    await this.change(serial, (record, now) =>
      !record.pending || record.pending.currentRejectedAt
        ? null
        : { ...record, pending: { ...record.pending, currentRejectedAt: now.toISOString() } },
    );
  }

  /**
   * The change request is about to go to the device: from now on the pending password is the
   * likelier one, and reconcile tries it first (a crash after the request costs no failed login).
   */
  async noteRequestSent(serial: string): Promise<void> {
    await this.change(serial, (record, now) =>
      !record.pending || record.pending.requestSentAt
        ? null
        : { ...record, pending: { ...record.pending, requestSentAt: now.toISOString() } },
    );
  }

  /** Stops automatic work on the device; any pending password is kept. */
  async markNeedsAttention(serial: string, reason: string): Promise<void> {
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new InvalidArgumentError('reason must be a non-empty string');
    }
    await this.change(serial, (record) => ({
      ...record,
      state: 'needs_attention',
      attentionReason: withoutSecrets(reason, record),
    }));
  }

  /**
   * Write-ahead for a named account (see AccountRecord): records `password` as its pending
   * password and resolves once that is on disk; a new account is entered without a confirmed
   * password. The same pending password again is a no-op; another one throws
   * VaultPendingExistsError; a different user name for an existing account throws.
   */
  async writeAccountPending(
    serial: string,
    account: string,
    input: { username: string; password: string; consumers?: readonly string[] },
  ): Promise<void> {
    const name = accountNameField(account);
    requirePassword(input.password);
    const consumers = idList([...(input.consumers ?? [])], 'consumers');
    if (typeof input.username !== 'string' || input.username === '') {
      throw new InvalidArgumentError('username must be a non-empty string');
    }
    await this.change(serial, (record, now) => {
      const existing = record.accounts[name];
      if (existing && existing.username !== input.username) {
        throw new InvalidArgumentError(`the ${name} account of device ${serial} has another user name`);
      }
      if (existing?.pending) {
        if (existing.pending.password === input.password) return null;
        throw new VaultPendingExistsError(serial);
      }
      const pending = {
        password: input.password,
        since: now.toISOString(),
        currentRejectedAt: null,
        requestSentAt: null,
        consumers,
        consumersUpdated: [],
      };
      const entry: AccountRecord = existing
        ? { ...existing, pending }
        : {
            username: input.username,
            password: null,
            pending,
            previous: [],
            userId: null,
            lastRotation: null,
          };
      return { ...record, accounts: { ...record.accounts, [name]: entry } };
    });
  }

  /** The account's change request is about to go out (see noteRequestSent). */
  async noteAccountRequestSent(serial: string, account: string): Promise<void> {
    await this.changeAccount(serial, account, (entry, now) =>
      !entry.pending || entry.pending.requestSentAt
        ? null
        : { ...entry, pending: { ...entry.pending, requestSentAt: now.toISOString() } },
    );
  }

  /** A consumer of the account now holds its pending password (as noteConsumerUpdated 'pending'). */
  async noteAccountConsumerUpdated(serial: string, account: string, consumerId: string): Promise<void> {
    await this.changeAccount(serial, account, (entry) => {
      const pending = entry.pending;
      if (!pending?.consumers.includes(consumerId) || pending.consumersUpdated.includes(consumerId))
        return null;
      return {
        ...entry,
        pending: { ...pending, consumersUpdated: [...pending.consumersUpdated, consumerId] },
      };
    });
  }

  /**
   * The device confirmed the account's pending password: it becomes current, `userId` is kept.
   * Its consumers that did not get it yet become stale (as commitPending).
   */
  async commitAccountPending(
    serial: string,
    account: string,
    details: { userId: number; at?: Date },
  ): Promise<void> {
    const notReached = (entry: AccountRecord) =>
      (entry.pending?.consumers ?? []).filter((id) => !entry.pending?.consumersUpdated.includes(id));
    await this.changeAccount(
      serial,
      account,
      (entry, now) => {
        if (!entry.pending) throw new InvalidArgumentError(`the ${account} account has no pending password`);
        const when = (details.at ?? now).toISOString();
        const previous =
          entry.password === null
            ? entry.previous
            : [{ password: entry.password, until: when }, ...entry.previous];
        return {
          ...entry,
          password: entry.pending.password,
          pending: null,
          previous: previous.slice(0, HISTORY_LIMIT),
          userId: details.userId,
          lastRotation: entry.password === null ? entry.lastRotation : when,
        };
      },
      notReached,
    );
  }

  /**
   * The device did not take the account's pending password: it is dropped. An account whose
   * creation never reached the device disappears with it. Consumers already given the dropped
   * password become stale.
   */
  async discardAccountPending(serial: string, account: string): Promise<void> {
    await this.changeAccount(
      serial,
      account,
      (entry) => (entry.password === null ? 'remove' : { ...entry, pending: null }),
      (entry) => entry.pending?.consumersUpdated ?? [],
    );
  }

  /** Forgets a named account (after it was removed from the device). */
  async removeAccount(serial: string, account: string): Promise<void> {
    await this.changeAccount(serial, account, () => 'remove');
  }

  async update(serial: string, patch: RecordPatch): Promise<void> {
    const checked = checkPatch(patch);
    await this.change(serial, (record) =>
      Object.keys(checked).length === 0 ? null : { ...record, ...checked },
    );
  }

  /** Waits for queued writes, then releases the lock. Later changes are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#lock?.release();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  private now(): Date {
    return new Date(this.#clock());
  }

  /** Applies `apply` to one record in the write queue; null from `apply` means nothing to write. */
  private change(
    serial: string,
    apply: (record: VaultRecord, now: Date) => VaultRecord | null,
  ): Promise<void> {
    return this.commit(() => {
      const record = this.#records.get(serial);
      if (!record) throw new VaultRecordMissingError(serial);
      const now = this.now();
      const next = apply(structuredClone(record), now);
      return next && { ...next, updatedAt: now.toISOString() };
    });
  }

  /**
   * Applies `apply` to one named account ('remove' drops it, null writes nothing); `leavesStale`
   * (when given) names the consumers the change leaves behind, added to the device's stale list
   * in the same write.
   */
  private changeAccount(
    serial: string,
    account: string,
    apply: (entry: AccountRecord, now: Date) => AccountRecord | 'remove' | null,
    leavesStale?: (entry: AccountRecord) => readonly string[],
  ): Promise<void> {
    const name = accountNameField(account);
    return this.change(serial, (record, now) => {
      const entry = record.accounts[name];
      if (!entry) throw new InvalidArgumentError(`device ${serial} has no ${name} account in the vault`);
      const next = apply(entry, now);
      if (next === null) return null;
      const others = Object.entries(record.accounts).filter(([key]) => key !== name);
      const accounts = Object.fromEntries(next === 'remove' ? others : [...others, [name, next]]);
      const staleConsumers = union(record.staleConsumers, leavesStale?.(entry) ?? []);
      return { ...record, accounts, staleConsumers };
    });
  }

  /** Runs `produce` in turn; writes the record it returns, and only then updates memory. */
  private commit(produce: () => VaultRecord | null): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidArgumentError('the vault is closed'));
    if (this.readOnly) return Promise.reject(new InvalidArgumentError('the vault was opened read-only'));
    const run = this.#queue.then(async () => {
      const next = produce();
      if (!next) return;
      const records = new Map(this.#records).set(next.serial, next);
      await this.#store.write(encodeVault(this.#kdf, this.#key, sorted([...records.values()])));
      this.#records = records;
    });
    // The queue only orders; each caller sees its own outcome through `run`.
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

async function load(store: VaultFileStore, secret: VaultSecret, writable: boolean): Promise<Loaded> {
  const mainBytes = await store.read(store.file);
  const main = mainBytes ? await decodeVault(mainBytes, secret) : null;
  if (main?.ok) return { kdf: main.kdf, records: main.records, bytes: mainBytes, recovery: null };
  const backupBytes = await store.read(store.backupFile);
  const backup = backupBytes ? await decodeVault(backupBytes, secret) : null;
  if (backup?.ok) {
    const detail = main ? describe(main) : 'main file missing';
    const recovery = { file: store.file, from: store.backupFile, detail };
    return { kdf: backup.kdf, records: backup.records, bytes: backupBytes, recovery };
  }
  // Neither opens. A key check that fails (where the right key would have opened at least the
  // backup) means the key is wrong, and that is what the user can act on.
  if (main?.reason === 'wrong_key' || backup?.reason === 'wrong_key') {
    throw new WrongVaultKeyError(store.file);
  }
  if (main || backup) {
    const kept = [mainBytes ? store.file : null, backupBytes ? store.backupFile : null].filter(
      (f): f is string => f !== null,
    );
    throw new VaultCorruptError(store.file, kept, describe(main ?? (backup as DecodeResult)));
  }
  if (!writable) throw new VaultNotFoundError(store.file);
  return { kdf: newKdfParams(), records: [], bytes: null, recovery: null };
}

function describe(result: DecodeResult): string {
  return result.ok ? 'readable' : result.reason === 'wrong_key' ? 'key check failed' : result.detail;
}

function sorted(records: VaultRecord[]): VaultRecord[] {
  return records.sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function requirePassword(password: unknown): void {
  if (typeof password !== 'string' || password === '') {
    throw new InvalidArgumentError('password must be a non-empty string');
  }
}

/** A reason text is stored and shown; a password that slipped into it is masked. */
function withoutSecrets(reason: string, record: VaultRecord): string {
  const secrets = [
    record.password,
    record.pending?.password,
    ...record.previous.map((p) => p.password),
    ...Object.values(record.accounts).flatMap((a) => [
      a.password,
      a.pending?.password,
      ...a.previous.map((p) => p.password),
    ]),
  ];
  return secrets.reduce<string>((text, secret) => (secret ? text.split(secret).join('***') : text), reason);
}
