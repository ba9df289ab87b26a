/**
 * Illegal-login lock, per client IP as on real devices (docs/protocol/isapi.md §1.3): after `maxAdminFailures`
 * wrong logins (fewer for operator accounts) the IP is locked for `lockSeconds`; any authenticated
 * attempt during the lock restarts it at the full duration (SDK docs, dwSurplusLockTime); a
 * successful login resets the IP's count; a reboot clears everything. Time comes from the injected
 * clock so tests can jump past a lock without sleeping.
 */

export interface LockPolicy {
  maxAdminFailures: number;
  maxOperatorFailures: number;
  lockSeconds: number;
}

/** What the 401 body reports: `retryLoginTime` before the lock, `unlockTime` during it. */
export type LockState = { locked: false; retriesLeft: number } | { locked: true; unlockInSeconds: number };

interface IpRecord {
  failures: number;
  lockedUntil: number | null;
}

export class IllegalLoginLock {
  private readonly byIp = new Map<string, IpRecord>();

  constructor(
    private readonly policy: LockPolicy,
    private readonly clock: () => number,
  ) {}

  /** Remaining lock time for this IP, or null when it is not locked. */
  unlockInSeconds(ip: string): number | null {
    const record = this.current(ip);
    if (record?.lockedUntil == null) return null;
    return Math.ceil((record.lockedUntil - this.clock()) / 1000);
  }

  /** An authenticated attempt while locked: the lock starts over. */
  restart(ip: string): LockState {
    const record = this.record(ip);
    record.lockedUntil = this.clock() + this.policy.lockSeconds * 1000;
    return { locked: true, unlockInSeconds: this.policy.lockSeconds };
  }

  /**
   * Counts one wrong login. `operator` selects the lower limit real devices use for non-admin
   * accounts. Returns the state to report and whether this failure started a lock.
   */
  recordFailure(ip: string, operator: boolean): { state: LockState; lockStarted: boolean } {
    const record = this.record(ip);
    record.failures += 1;
    const limit = operator ? this.policy.maxOperatorFailures : this.policy.maxAdminFailures;
    if (record.failures >= limit) {
      return { state: this.restart(ip), lockStarted: true };
    }
    return { state: { locked: false, retriesLeft: limit - record.failures }, lockStarted: false };
  }

  recordSuccess(ip: string): void {
    this.byIp.delete(ip);
  }

  clear(): void {
    this.byIp.clear();
  }

  /** The IP's record, with an expired lock (and its failure count) dropped first. */
  private current(ip: string): IpRecord | undefined {
    const record = this.byIp.get(ip);
    if (record?.lockedUntil != null && record.lockedUntil <= this.clock()) {
      this.byIp.delete(ip);
      return undefined;
    }
    return record;
  }

  private record(ip: string): IpRecord {
    let record = this.current(ip);
    if (!record) {
      record = { failures: 0, lockedUntil: null };
      this.byIp.set(ip, record);
    }
    return record;
  }
}
