/**
 * Done-when of issue 13, in a short form (bench/consumers.bench.ts does 20 runs for the figure):
 * a camera recorded by an NVR logging in every second and streamed by go2rtc (reconnect after
 * 1 s) and held by a Home Assistant generic camera (stream worker every 1 s) is rotated; every consumer holds the new password within 2 s of the camera's change, the
 * camera is never locked, and at most one failed login by any consumer over the runs.
 */
import assert from 'node:assert/strict';
import { runConsumerRotation } from '../../support/consumer-rotation-run';

describe('rotation of a camera held by an NVR, go2rtc and a Home Assistant generic camera (1 s retry cadence)', function () {
  this.timeout(60_000);

  it('leaves the consumers in step within 2 s, the camera unlocked, at most one failed login in 2 runs', async () => {
    let failed = 0;
    for (const hostPrefix of ['127.0.0.7', '127.0.0.8']) {
      const run = await runConsumerRotation({ hostPrefix });
      assert.equal(run.outcome.result, 'rotated', String(run.outcome.error));
      assert.equal(run.outcome.reason, null, JSON.stringify(run.outcome.consumers));
      assert.ok(run.inStep, 'camera, recorder channel, go2rtc and HA hold the vault’s password');
      assert.equal(run.locks, 0);
      for (const [consumer, ms] of Object.entries(run.heldAfterMs)) {
        assert.ok(ms !== null && ms <= 2_000, `${consumer} held the new password after ${ms} ms`);
      }
      failed += run.failedLogins.recorder + run.failedLogins.go2rtc + run.failedLogins.homeassistant;
    }
    assert.ok(failed <= 1, `${failed} failed logins by consumers`);
  });
});
