/**
 * When each managed device is audited next: every `everyDays` after its last audit (a device never
 * audited is due at once), one device at a time, so an audit never competes with another for a
 * device's login. The owner (the hik-credentials node) runs the audit; this only decides when.
 */

export interface AuditSchedulerOptions {
  /** 0: only on demand. */
  everyDays: number;
  /** The serials to audit (the owner's enrolled devices), asked at each pass. */
  serials: () => string[];
  /** When the device was last audited with a login, or null. */
  lastAudit: (serial: string) => Date | null;
  audit: (serial: string) => Promise<void>;
  onError: (err: unknown) => void;
  clock?: () => number;
  /** The first pass waits this long after start (rotations and reconciles at start go first). Default 60 s. */
  firstPassDelayMs?: number;
}

const DAY_MS = 86_400_000;
/** setTimeout's ceiling is about 24.8 days; a longer wait is taken in steps. */
const MAX_WAIT_MS = 2 ** 31 - 1;
/** Never sooner than this after a pass, so a device whose audit keeps failing is not hammered. */
const MIN_WAIT_MS = 60_000;

export class AuditScheduler {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: AuditSchedulerOptions) {}

  start(): void {
    if (this.options.everyDays <= 0 || this.stopped) return;
    this.timer = setTimeout(() => this.runPass(), this.options.firstPassDelayMs ?? 60_000);
    this.timer.unref();
  }

  /** When the next device is due, or null when nothing is scheduled. */
  nextDue(): Date | null {
    if (this.options.everyDays <= 0) return null;
    const dues = this.options.serials().map((serial) => this.dueAt(serial));
    return dues.length === 0 ? null : new Date(Math.min(...dues));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  private runPass(): void {
    this.timer = null;
    this.pass = (async () => {
      for (const serial of this.options.serials()) {
        if (this.stopped) return;
        if (this.dueAt(serial) > this.now()) continue;
        try {
          await this.options.audit(serial);
        } catch (err) {
          this.options.onError(err);
        }
      }
    })().finally(() => this.plan());
  }

  private plan(): void {
    if (this.stopped) return;
    const next = this.nextDue()?.getTime() ?? this.now() + this.options.everyDays * DAY_MS;
    const wait = Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, next - this.now()));
    this.timer = setTimeout(() => this.runPass(), wait);
    this.timer.unref();
  }

  private dueAt(serial: string): number {
    const last = this.options.lastAudit(serial);
    return last === null ? 0 : last.getTime() + this.options.everyDays * DAY_MS;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
