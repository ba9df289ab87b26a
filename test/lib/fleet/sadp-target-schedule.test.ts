import assert from 'node:assert/strict';
import { SADP_RECHECK_ROUNDS, SadpTargetSchedule } from '../../../lib/fleet/sadp-target-schedule';

const targets = Array.from({ length: 25 }, (_, i) => ({ host: `127.0.1.${i + 1}` }));

describe('SADP targets a watch round asks', () => {
  it('asks every target while no device answers polls', () => {
    const schedule = new SadpTargetSchedule();
    for (let round = 0; round < 3; round++) assert.deepEqual(schedule.due(targets, new Set()), targets);
  });

  it('asks a device whose poll fails every round, each answering one exactly once per ten rounds', () => {
    const schedule = new SadpTargetSchedule();
    const failing = targets[7]!.host;
    const answering = new Set(targets.map((t) => t.host).filter((host) => host !== failing));
    const asked = new Map<string, number>();
    for (let round = 0; round < SADP_RECHECK_ROUNDS; round++) {
      const due = schedule.due(targets, answering);
      assert.ok(due.some((t) => t.host === failing));
      assert.ok(due.length <= Math.ceil(targets.length / SADP_RECHECK_ROUNDS) + 1);
      for (const t of due) asked.set(t.host, (asked.get(t.host) ?? 0) + 1);
    }
    assert.equal(asked.get(failing), SADP_RECHECK_ROUNDS);
    for (const host of answering) assert.equal(asked.get(host), 1, host);
  });

  it('asks a target given by name every round (polls are keyed by address)', () => {
    const schedule = new SadpTargetSchedule();
    const named = [{ host: 'front-door.lan' }, ...targets.slice(0, 3)];
    const answering = new Set(targets.map((t) => t.host));
    for (let round = 0; round < 4; round++)
      assert.ok(schedule.due(named, answering).some((t) => t.host === 'front-door.lan'));
  });
});
