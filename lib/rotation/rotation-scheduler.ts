/**
 * Runs rotations on a schedule. On start, every pending record is reconciled BEFORE any scheduled
 * work (a crash may have left one); then devices whose due time has passed (missed while the
 * process was down) run at once, the rest wait for their time. Due devices start with a random
 * jitter between them and at most `concurrency` at a time; one device never runs twice at once
 * (the rotation itself holds the device lock). Timers are capped so long plans (90 days) never
 * overflow setTimeout, and every timer is cleared by stop().
 */
import { nextDue, type SchedulePlan } from './rotation-schedule';

export interface ScheduledDevice {
  serial: string;
  /** ISO time of the last rotation, or null. */
  lastRotation: string | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  plan: SchedulePlan;
  /** The devices to look after, read afresh at every evaluation and every `nextRotation`. */
  devices: () => readonly ScheduledDevice[];
  /** Reconciles every pending record; runs once at start, before anything else. */
  reconcilePending: () => Promise<void>;
  rotate: (serial: string) => Promise<void>;
  /** Default 2. */
  concurrency?: number;
  /** Upper bound of the random pause before each device. Default 0. */
  jitterMs?: number;
  random?: () => number;
  clock?: () => number;
  timers?: Timers;
  /** A device still due after an attempt (it failed) is tried again this much later. Default 6 h. */
  retryAfterMs?: number;
  /** Longest single timer; the plan is re-read when it fires. Default 6 h. */
  maxTimerMs?: number;
  /** Receives failures of rotate/reconcile calls (they never stop the scheduler). */
  onError?: (err: unknown) => void;
}

const NODE_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class RotationScheduler {
  private readonly clock: () => number;
  private readonly timers: Timers;
  private readonly pending = new Set<{ handle: unknown; cancel: () => void }>();
  private readonly lastAttempt = new Map<string, number>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? Date.now;
    this.timers = options.timers ?? NODE_TIMERS;
  }

  /** Reconciles pending records, then catches up missed runs and schedules the rest. */
  start(): Promise<void> {
    this.running = this.guarded(async () => {
      await this.options.reconcilePending();
      await this.evaluate();
    });
    return this.running;
  }

  /**
   * Next due time of one device (or the earliest of all), computed now from the plan, the
   * device's last rotation and the last attempt: the one answer node status, messages, the
   * sidebar and Home Assistant all show. Null when the plan never rotates it (manual).
   */
  nextRotation(serial?: string): Date | null {
    const now = this.clock();
    const devices = this.options.devices().filter((d) => serial === undefined || d.serial === serial);
    const known = devices.map((d) => this.dueAt(d, now)).filter((t): t is number => t !== null);
    return known.length === 0 ? null : new Date(Math.min(...known));
  }

  /** Re-reads the devices and plan (e.g. after a manual rotation changed lastRotation). */
  async refresh(): Promise<void> {
    if (this.stopped) return;
    await this.running;
    this.cancelTimers();
    this.running = this.guarded(() => this.evaluate());
    await this.running;
  }

  /** No new work; pauses are cancelled. Resolves once the work under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimers();
    await this.running;
  }

  private async evaluate(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock();
    const due = this.options
      .devices()
      .filter((device) => {
        const at = this.dueAt(device, now);
        return at !== null && at <= now;
      })
      .map((device) => device.serial);
    await this.runAll(due);
    if (this.isStopped()) return;
    if (due.length > 0) {
      await this.evaluate(); // the runs changed lastRotation: compute the next times afresh
      return;
    }
    const next = this.nextRotation();
    if (next === null) return;
    const wait = Math.min(
      Math.max(0, next.getTime() - this.clock()),
      this.options.maxTimerMs ?? 6 * 3600_000,
    );
    void this.pause(wait).then((completed) => {
      if (completed && !this.stopped) this.running = this.guarded(() => this.evaluate());
    });
  }

  private dueAt(device: ScheduledDevice, now: number): number | null {
    const last = device.lastRotation ? new Date(device.lastRotation) : null;
    const at = nextDue(this.options.plan, last, new Date(now))?.getTime() ?? null;
    const attempted = this.lastAttempt.get(device.serial);
    // Still due after an attempt: it failed. Not again before the retry delay.
    if (at !== null && attempted !== undefined && at <= now)
      return Math.max(at, attempted + (this.options.retryAfterMs ?? 6 * 3600_000));
    return at;
  }

  /** Runs the due devices with jitter, `concurrency` at a time. */
  private async runAll(serials: readonly string[]): Promise<void> {
    const queue = [...serials];
    const jitter = this.options.jitterMs ?? 0;
    const random = this.options.random ?? Math.random;
    const worker = async (): Promise<void> => {
      for (let serial = queue.shift(); serial !== undefined; serial = queue.shift()) {
        if (jitter > 0 && !(await this.pause(Math.floor(random() * jitter)))) return;
        if (this.stopped) return;
        this.lastAttempt.set(serial, this.clock());
        try {
          await this.options.rotate(serial);
        } catch (err) {
          this.options.onError?.(err);
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 2, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /** Resolves true after `ms`, or false at once when stop() cancels it. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        handle: undefined as unknown,
        cancel: () => {
          this.pending.delete(entry);
          resolve(false);
        },
      };
      entry.handle = this.timers.setTimeout(() => {
        this.pending.delete(entry);
        resolve(true);
      }, ms);
      this.pending.add(entry);
    });
  }

  /** A call, not a field read: stop() may have run during any await. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private cancelTimers(): void {
    for (const entry of [...this.pending]) {
      this.timers.clearTimeout(entry.handle);
      entry.cancel();
    }
  }

  private async guarded(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
