/**
 * The login-attempt guard: the one place that decides whether a login may be attempted on a
 * device. Hikvision locks the client IP after a few failed logins and restarts the lock on every
 * attempt made during it, so this guard is deliberately stingy:
 *  - a credential that failed once on a device is never sent to that device again;
 *  - nothing at all is sent to a device inside a lock window it reported (plus a margin);
 *  - at most `maxFailures` failed logins per device per window, whatever their cause;
 *  - authenticated exchanges with one device run one at a time, so a password that just became
 *    wrong costs one failure, not one per concurrent request.
 * Devices are keyed by serial, or by host until the serial is known. Passwords are never stored:
 * credentials are remembered as a keyed hash that lives only in this process. A `RefusalMemory`
 * given to the guard carries refusals beyond it (the CLI keeps one in a file, so a password a
 * device refused is not sent again by the next run either); it too is told credentials only to
 * derive keyed hashes. `defaultLoginGuard()` is the one guard of the process, for callers that are
 * given none.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { trace } from '../diagnostics';
import { LoginGuardRefusedError, type GuardRefusalReason } from '../errors';
import type { LockInfo } from './response-status';

export interface Credential {
  readonly username: string;
  readonly password: string;
}

/**
 * Refusals remembered across processes. Each call names every key the device is known by (its
 * serial and the host:port keys linked to it). Implementations keep a keyed hash of key, user name
 * and password, never the password, and handle their own storage errors: they never throw.
 */
export interface RefusalMemory {
  /** True when the device refused this credential under one of these keys (in an earlier run). */
  wasRefused(deviceKeys: readonly string[], credential: Credential): boolean;
  /** The device refused this credential. */
  remember(deviceKeys: readonly string[], credential: Credential): void;
  /** The device accepted this credential: a remembered refusal of it no longer holds. */
  forget(deviceKeys: readonly string[], credential: Credential): void;
}

export interface LoginGuardOptions {
  /** Failed logins allowed per device within `failureWindowMs`. Default 2. */
  maxFailures?: number;
  /** Default 30 minutes, the usual lock duration. */
  failureWindowMs?: number;
  /** Extra wait after a reported unlock time. Default 60 s. */
  lockMarginMs?: number;
  /** Lock assumed when a device says "locked" without saying for how long. Default 30 min. */
  defaultLockMs?: number;
  /** Refusals remembered beyond this process. Default none. */
  refusals?: RefusalMemory;
  clock?: () => number;
}

/** One authenticated exchange; exactly one of its outcome methods must be called. */
export interface LoginAttempt {
  succeeded(): void;
  /** The device rejected the credential; `lock` is what its 401 body said. */
  failed(lock: LockInfo): void;
  /** No verdict (timeout, stale nonce, device not activated): nothing is learnt or counted. */
  inconclusive(): void;
}

interface DeviceRecord {
  lockUntil: number;
  failureTimes: number[];
  failedCredentials: Set<string>;
  queue: Promise<void>;
}

export class LoginGuard {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly aliases = new Map<string, string>();
  private readonly hashKey = randomBytes(32);
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;
  private readonly lockMarginMs: number;
  private readonly defaultLockMs: number;
  private readonly clock: () => number;
  private refusals: RefusalMemory | undefined;

  constructor(options: LoginGuardOptions = {}) {
    this.maxFailures = options.maxFailures ?? 2;
    this.failureWindowMs = options.failureWindowMs ?? 30 * 60_000;
    this.lockMarginMs = options.lockMarginMs ?? 60_000;
    this.defaultLockMs = options.defaultLockMs ?? 30 * 60_000;
    this.clock = options.clock ?? Date.now;
    this.refusals = options.refusals;
  }

  /**
   * Sets (or with undefined, drops) the refusal memory, e.g. the CLI's file for the process guard.
   * Returns the one it replaces, so an embedding caller can put it back.
   */
  useRefusalMemory(refusals: RefusalMemory | undefined): RefusalMemory | undefined {
    const previous = this.refusals;
    this.refusals = refusals;
    return previous;
  }

  /** Throws LoginGuardRefusedError while the device is inside a reported lock window. */
  assertMayContact(deviceKey: string): void {
    const record = this.devices.get(this.resolve(deviceKey));
    if (!record) return;
    const wait = record.lockUntil - this.clock();
    if (wait > 0) throw refusal(deviceKey, 'lock_window', Math.ceil(wait / 1000));
  }

  /**
   * Waits for the device's previous authenticated exchange to finish, then checks every rule.
   * Resolves to an attempt whose outcome the caller must report; rejects with
   * LoginGuardRefusedError when the attempt must not be made.
   */
  async beginAttempt(deviceKey: string, credential: Credential): Promise<LoginAttempt> {
    const record = this.record(deviceKey);
    let release!: () => void;
    const previous = record.queue;
    record.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      this.assertMayAttempt(deviceKey, record, credential);
    } catch (err) {
      release();
      throw err;
    }
    return this.attemptFor(deviceKey, record, credential, release);
  }

  /** Records what a device said about its lock outside an attempt, e.g. on an unauthenticated request. */
  recordLockInfo(deviceKey: string, lock: LockInfo): void {
    this.applyLockInfo(deviceKey, this.record(deviceKey), lock);
  }

  private applyLockInfo(deviceKey: string, record: DeviceRecord, lock: LockInfo): void {
    const now = this.clock();
    if (lock.locked) {
      const lockMs = lock.unlockInSeconds !== null ? lock.unlockInSeconds * 1000 : this.defaultLockMs;
      record.lockUntil = Math.max(record.lockUntil, now + lockMs + this.lockMarginMs);
      const quietSeconds = Math.ceil((record.lockUntil - now) / 1000);
      trace('login-guard', 'device reports a lock', { device: deviceKey, quietSeconds });
    } else if (lock.retriesLeft !== null && lock.retriesLeft <= 1) {
      // One more failure would lock the device: spend no more of its budget this window. (Not for
      // a lock body's "0 tries left": that ends with the lock, which lockUntil covers.)
      while (record.failureTimes.length < this.maxFailures) record.failureTimes.push(now);
      trace('login-guard', 'budget closed: one more failure would lock', {
        device: deviceKey,
        retriesLeft: lock.retriesLeft,
      });
    }
  }

  /** True when this credential was rejected by this device before (no attempt is spent). */
  hasFailed(deviceKey: string, credential: Credential): boolean {
    const record = this.devices.get(this.resolve(deviceKey));
    if (record?.failedCredentials.has(this.fingerprint(credential))) return true;
    return this.refusals?.wasRefused(this.keysOf(deviceKey), credential) ?? false;
  }

  /**
   * Once a device's serial is known, what was learnt under its host key carries over to the
   * serial, and the host key resolves to the serial from then on.
   */
  linkHostToSerial(hostKey: string, serial: string): void {
    const hostRecord = this.devices.get(hostKey);
    this.aliases.set(hostKey, serial);
    if (!hostRecord || hostKey === serial) return;
    this.devices.delete(hostKey);
    const serialRecord = this.devices.get(serial);
    if (!serialRecord) {
      this.devices.set(serial, hostRecord);
      return;
    }
    serialRecord.lockUntil = Math.max(serialRecord.lockUntil, hostRecord.lockUntil);
    serialRecord.failureTimes.push(...hostRecord.failureTimes);
    for (const fp of hostRecord.failedCredentials) serialRecord.failedCredentials.add(fp);
    const both = Promise.all([serialRecord.queue, hostRecord.queue]).then(() => undefined);
    serialRecord.queue = both;
  }

  private assertMayAttempt(deviceKey: string, record: DeviceRecord, credential: Credential): void {
    const now = this.clock();
    const fingerprint = this.fingerprint(credential);
    if (record.failedCredentials.has(fingerprint)) {
      throw refusal(deviceKey, 'credential_failed_before', null);
    }
    if (this.refusals?.wasRefused(this.keysOf(deviceKey), credential)) {
      record.failedCredentials.add(fingerprint);
      trace('login-guard', 'credential refused in an earlier run', { device: deviceKey });
      throw refusal(deviceKey, 'credential_failed_before', null);
    }
    if (record.lockUntil > now) {
      throw refusal(deviceKey, 'lock_window', Math.ceil((record.lockUntil - now) / 1000));
    }
    record.failureTimes = record.failureTimes.filter((t) => now - t < this.failureWindowMs);
    if (record.failureTimes.length >= this.maxFailures) {
      const oldest = Math.min(...record.failureTimes);
      throw refusal(deviceKey, 'failure_budget', Math.ceil((oldest + this.failureWindowMs - now) / 1000));
    }
  }

  private attemptFor(
    deviceKey: string,
    record: DeviceRecord,
    credential: Credential,
    release: () => void,
  ): LoginAttempt {
    const fingerprint = this.fingerprint(credential);
    let settled = false;
    const settle = (apply: () => void): void => {
      if (settled) return;
      settled = true;
      apply();
      release();
    };
    return {
      succeeded: () => settle(() => this.refusals?.forget(this.keysOf(deviceKey), credential)),
      failed: (lock) =>
        settle(() => {
          record.failedCredentials.add(fingerprint);
          this.refusals?.remember(this.keysOf(deviceKey), credential);
          record.failureTimes.push(this.clock());
          trace('login-guard', 'credential rejected; never sent to this device again', {
            device: deviceKey,
            failuresInWindow: record.failureTimes.length,
            retriesLeft: lock.retriesLeft,
          });
          this.applyLockInfo(deviceKey, record, lock);
        }),
      inconclusive: () => settle(() => undefined),
    };
  }

  private resolve(deviceKey: string): string {
    return this.aliases.get(deviceKey) ?? deviceKey;
  }

  /** Every key the device is known by: the one it resolves to and the host keys linked to that. */
  private keysOf(deviceKey: string): string[] {
    const resolved = this.resolve(deviceKey);
    const keys = new Set([resolved, deviceKey]);
    for (const [host, serial] of this.aliases) if (serial === resolved) keys.add(host);
    return [...keys];
  }

  private record(deviceKey: string): DeviceRecord {
    const key = this.resolve(deviceKey);
    let record = this.devices.get(key);
    if (!record) {
      record = {
        lockUntil: 0,
        failureTimes: [],
        failedCredentials: new Set(),
        queue: Promise.resolve(),
      };
      this.devices.set(key, record);
    }
    return record;
  }

  private fingerprint(credential: Credential): string {
    return createHmac('sha256', this.hashKey)
      .update(credential.username)
      .update('\0')
      .update(credential.password)
      .digest('base64');
  }
}

/** Traced here so every refusal is seen: which device and why, never which credential. */
function refusal(
  deviceKey: string,
  reason: GuardRefusalReason,
  retryAfterSeconds: number | null,
): LoginGuardRefusedError {
  trace('login-guard', 'attempt refused', { device: deviceKey, reason, retryAfterSeconds });
  return new LoginGuardRefusedError(reason, retryAfterSeconds);
}

const DEFAULT_GUARD_KEY = Symbol.for('node-red-contrib-hik-guard.login-guard');

/**
 * The process-wide guard every node, the CLI and any IsapiClient given no guard share. Kept on a
 * global symbol so that two loaded copies of this package still share one guard.
 */
export function defaultLoginGuard(): LoginGuard {
  const holder = globalThis as { [DEFAULT_GUARD_KEY]?: LoginGuard };
  holder[DEFAULT_GUARD_KEY] ??= new LoginGuard();
  return holder[DEFAULT_GUARD_KEY];
}
