import assert from 'node:assert/strict';
import { checkSchedulePlan, nextDue, windowOpening } from '../../../lib/rotation/rotation-schedule';

const DAY = 24 * 3600_000;
/** Local time, as schedules are. */
const at = (day: number, hour: number, minute = 0) => new Date(2026, 2, day, hour, minute);

describe('rotation schedule', () => {
  it('every N days: due N days after the last rotation, or at once when never rotated', () => {
    const plan = { kind: 'interval', everyDays: 30 } as const;
    assert.equal(nextDue(plan, at(1, 12), at(5, 12))?.getTime(), at(1, 12).getTime() + 30 * DAY);
    assert.equal(nextDue(plan, null, at(5, 12))?.getTime(), at(5, 12).getTime());
  });

  it('a missed run inside the window is due now; outside it, at the next opening', () => {
    const plan = { kind: 'interval', everyDays: 1, window: { start: '02:00', end: '04:00' } } as const;
    assert.deepEqual(nextDue(plan, at(1, 3), at(5, 3, 30)), at(5, 3, 30));
    assert.deepEqual(nextDue(plan, at(1, 3), at(5, 12)), at(6, 2));
    // Not yet due: the due time itself is moved into the window.
    assert.deepEqual(nextDue(plan, at(5, 1), at(5, 12)), at(6, 2));
  });

  it('handles a window across midnight', () => {
    const window = { start: '22:30', end: '05:00' };
    assert.deepEqual(windowOpening(window, at(5, 23)), at(5, 23));
    assert.deepEqual(windowOpening(window, at(5, 4, 59)), at(5, 4, 59));
    assert.deepEqual(windowOpening(window, at(5, 5)), at(5, 22, 30));
  });

  it('cron: the next occurrence after the last rotation, which may be in the past (missed)', () => {
    const plan = { kind: 'cron', expression: '0 3 * * *' } as const;
    assert.deepEqual(nextDue(plan, at(4, 3), at(5, 12)), at(5, 3));
    assert.deepEqual(nextDue(plan, at(5, 3), at(5, 12)), at(6, 3));
    assert.deepEqual(nextDue(plan, null, at(5, 12)), at(6, 3));
  });

  it('a manual plan is never due', () => {
    assert.equal(nextDue({ kind: 'manual' }, null, at(5, 12)), null);
  });

  it('refuses bad plans by field name', () => {
    assert.throws(() => checkSchedulePlan({ kind: 'cron', expression: 'every tuesday' }), /cron expression/);
    assert.throws(() => checkSchedulePlan({ kind: 'interval', everyDays: 0 }), /everyDays/);
    assert.throws(
      () => checkSchedulePlan({ kind: 'interval', everyDays: 7, window: { start: '25:00', end: '02:00' } }),
      /window.start/,
    );
  });
});
