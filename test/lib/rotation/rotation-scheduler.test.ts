import assert from 'node:assert/strict';
import { RotationScheduler, type ScheduledDevice } from '../../../lib/rotation/rotation-scheduler';
import type { SchedulePlan } from '../../../lib/rotation/rotation-schedule';
import { FakeTimers, settle } from './support/fake-timers';

const DAY = 24 * 3600_000;
const START = new Date(2026, 2, 10, 12, 0).getTime();

/** Devices whose lastRotation a successful rotate() moves to "now", like the vault does. */
class Fleet {
  readonly log: string[] = [];
  readonly devices = new Map<string, string | null>();
  failing = new Set<string>();
  constructor(private readonly timers: FakeTimers) {}

  add(serial: string, lastRotation: number | null): void {
    this.devices.set(serial, lastRotation === null ? null : new Date(lastRotation).toISOString());
  }

  list = (): ScheduledDevice[] =>
    [...this.devices].map(([serial, lastRotation]) => ({ serial, lastRotation }));

  rotate = (serial: string): Promise<void> => {
    this.log.push(`rotate ${serial}`);
    if (this.failing.has(serial)) return Promise.reject(new Error(`${serial} failed`));
    this.devices.set(serial, new Date(this.timers.now()).toISOString());
    return Promise.resolve();
  };
}

function scheduler(timers: FakeTimers, fleet: Fleet, plan: SchedulePlan, extra = {}): RotationScheduler {
  return new RotationScheduler({
    plan,
    devices: fleet.list,
    reconcilePending: () => {
      fleet.log.push('reconcile');
      return Promise.resolve();
    },
    rotate: fleet.rotate,
    clock: timers.now,
    timers,
    ...extra,
  });
}

describe('RotationScheduler', () => {
  let timers: FakeTimers;
  let fleet: Fleet;
  let running: RotationScheduler | null = null;
  beforeEach(() => {
    timers = new FakeTimers(START);
    fleet = new Fleet(timers);
  });
  afterEach(async () => {
    await running?.stop();
    running = null;
    assert.equal(timers.pending, 0, 'stop() clears every timer');
  });

  it('reconciles pending records before any rotation, then catches up missed runs at start', async () => {
    fleet.add('missed', START - 100 * DAY);
    fleet.add('recent', START - 10 * DAY);
    running = scheduler(timers, fleet, { kind: 'interval', everyDays: 90 });
    await running.start();
    assert.deepEqual(fleet.log, ['reconcile', 'rotate missed']);
    assert.equal(running.nextRotation('recent')?.getTime(), START + 80 * DAY);
    assert.equal(running.nextRotation('missed')?.getTime(), START + 90 * DAY);
  });

  it('rotates when the time comes, across timers longer than setTimeout allows', async () => {
    fleet.add('cam', START - 10 * DAY);
    running = scheduler(timers, fleet, { kind: 'interval', everyDays: 90 });
    await running.start();
    await timers.advance(79 * DAY);
    assert.deepEqual(fleet.log, ['reconcile']);
    await timers.advance(1 * DAY);
    assert.deepEqual(fleet.log, ['reconcile', 'rotate cam']);
  });

  it('waits for the time-of-day window', async () => {
    fleet.add('cam', START - 100 * DAY);
    const plan: SchedulePlan = { kind: 'interval', everyDays: 90, window: { start: '02:00', end: '04:00' } };
    running = scheduler(timers, fleet, plan);
    await running.start();
    assert.deepEqual(fleet.log, ['reconcile']);
    assert.equal(running.nextRotation()?.getTime(), new Date(2026, 2, 11, 2, 0).getTime());
    await timers.advance(14 * 3600_000);
    assert.deepEqual(fleet.log, ['reconcile', 'rotate cam']);
  });

  it('catches up a missed cron occurrence at start', async () => {
    fleet.add('cam', new Date(2026, 2, 9, 3, 0).getTime());
    running = scheduler(timers, fleet, { kind: 'cron', expression: '0 3 * * *' });
    await running.start();
    assert.deepEqual(fleet.log, ['reconcile', 'rotate cam']);
    assert.equal(running.nextRotation()?.getTime(), new Date(2026, 2, 11, 3, 0).getTime());
  });

  it('runs at most `concurrency` devices at once, with jitter between starts', async () => {
    for (let i = 0; i < 6; i++) fleet.add(`cam${i}`, null);
    let inFlight = 0;
    let most = 0;
    const starts: number[] = [];
    running = scheduler(
      timers,
      fleet,
      { kind: 'interval', everyDays: 30 },
      {
        concurrency: 2,
        jitterMs: 1000,
        random: () => 0.5,
        rotate: async (serial: string) => {
          starts.push(timers.now());
          most = Math.max(most, ++inFlight);
          await new Promise<void>((resolve) => timers.setTimeout(resolve, 100));
          inFlight--;
          await fleet.rotate(serial);
        },
      },
    );
    const started = running.start();
    await timers.advance(5_000);
    await started;
    assert.equal(most, 2);
    assert.equal(starts.length, 6);
    assert.deepEqual(starts.slice(0, 2), [START + 500, START + 500], 'each start waits its jitter');
  });

  it('does not retry a failed device at once, but after the retry delay', async () => {
    fleet.add('flaky', START - 100 * DAY);
    fleet.failing.add('flaky');
    const errors: unknown[] = [];
    running = scheduler(
      timers,
      fleet,
      { kind: 'interval', everyDays: 90 },
      { retryAfterMs: 3600_000, onError: (e: unknown) => errors.push(e) },
    );
    await running.start();
    assert.deepEqual(fleet.log, ['reconcile', 'rotate flaky']);
    assert.equal(errors.length, 1);
    await timers.advance(3599_000);
    assert.equal(fleet.log.length, 2);
    fleet.failing.clear();
    await timers.advance(1_000);
    assert.deepEqual(fleet.log, ['reconcile', 'rotate flaky', 'rotate flaky']);
  });

  it('stop() cancels the jitter pause of waiting devices, and nothing runs afterwards', async () => {
    fleet.add('a', null);
    fleet.add('b', null);
    running = scheduler(
      timers,
      fleet,
      { kind: 'interval', everyDays: 1 },
      { jitterMs: 60_000, random: () => 0.9 },
    );
    const started = running.start();
    await settle();
    await running.stop();
    await started;
    await timers.advance(DAY);
    assert.deepEqual(fleet.log, ['reconcile']);
  });

  it('a manual plan schedules nothing', async () => {
    fleet.add('cam', null);
    running = scheduler(timers, fleet, { kind: 'manual' });
    await running.start();
    assert.equal(running.nextRotation(), null);
    assert.equal(timers.pending, 0);
  });
});
