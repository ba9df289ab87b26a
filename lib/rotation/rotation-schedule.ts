/**
 * When a device's password is due: a cron expression (croner), or every N days inside a daily
 * time-of-day window (local time; a window may cross midnight). Pure: the scheduler asks, this
 * answers. A due time at or before "now" is a missed run, to be caught up at once.
 */
import { InvalidArgumentError } from '../errors';
import { croner } from '../heavy-dependencies';

export interface TimeWindow {
  /** `HH:MM`, local time. */
  start: string;
  /** `HH:MM`, local time; before `start` means the window ends the next day. */
  end: string;
}

export type SchedulePlan =
  | { kind: 'cron'; expression: string }
  | { kind: 'interval'; everyDays: number; window?: TimeWindow | undefined }
  | { kind: 'manual' };

const DAY_MS = 24 * 60 * 60_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Checks a plan by name of the bad field; returns it unchanged. */
export function checkSchedulePlan(plan: SchedulePlan): SchedulePlan {
  switch (plan.kind) {
    case 'manual':
      return plan;
    case 'cron':
      try {
        new (croner().Cron)(plan.expression, { paused: true });
      } catch {
        throw new InvalidArgumentError(`cron expression '${plan.expression}' is not valid`);
      }
      return plan;
    case 'interval':
      if (!Number.isFinite(plan.everyDays) || plan.everyDays <= 0 || plan.everyDays > 3650) {
        throw new InvalidArgumentError('everyDays must be a number of days from 1 to 3650');
      }
      if (plan.window) {
        minutesOf(plan.window.start, 'window.start');
        minutesOf(plan.window.end, 'window.end');
      }
      return plan;
  }
}

/**
 * When the device is next due. `lastRotation` null (never rotated here): the next opportunity
 * from now on. Null for a manual plan.
 */
export function nextDue(plan: SchedulePlan, lastRotation: Date | null, now: Date): Date | null {
  switch (plan.kind) {
    case 'manual':
      return null;
    case 'cron':
      return new (croner().Cron)(plan.expression, { paused: true }).nextRun(lastRotation ?? now);
    case 'interval': {
      const base = lastRotation ? new Date(lastRotation.getTime() + plan.everyDays * DAY_MS) : now;
      if (!plan.window) return base;
      // A missed run is caught up at the next moment the window is open, which may be now.
      return windowOpening(plan.window, base.getTime() <= now.getTime() ? now : base);
    }
  }
}

/** `at` if it falls inside the window, else the window's next start after `at`. */
export function windowOpening(window: TimeWindow, at: Date): Date {
  const start = minutesOf(window.start, 'window.start');
  const end = minutesOf(window.end, 'window.end');
  const minute = at.getHours() * 60 + at.getMinutes();
  const inside = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
  if (inside || start === end) return at;
  const opening = new Date(at);
  opening.setHours(Math.floor(start / 60), start % 60, 0, 0);
  if (opening.getTime() <= at.getTime()) opening.setDate(opening.getDate() + 1);
  return opening;
}

function minutesOf(hhmm: string, field: string): number {
  const match = HHMM.exec(hhmm);
  if (!match) throw new InvalidArgumentError(`${field} must be HH:MM (00:00 to 23:59)`);
  return Number(match[1]) * 60 + Number(match[2]);
}
