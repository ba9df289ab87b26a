import assert from 'node:assert/strict';
import { LoginGuardRefusedError } from '../../../lib/errors';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { LockInfo } from '../../../lib/isapi/response-status';

const RIGHT = { username: 'admin', password: 'Right-Passw0rd' };
const WRONG = { username: 'admin', password: 'Wrong-Passw0rd' };
const OTHER = { username: 'admin', password: 'Other-Passw0rd' };
const NO_LOCK: LockInfo = { locked: false, unlockInSeconds: null, retriesLeft: 6 };

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function refusal(promise: Promise<unknown>): Promise<LoginGuardRefusedError> {
  const err = await promise.then(
    () => assert.fail('expected the guard to refuse'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof LoginGuardRefusedError, `expected LoginGuardRefusedError, got ${String(err)}`);
  return err;
}

describe('LoginGuard', () => {
  it('never lets a rejected credential be sent to the same device again', async () => {
    const guard = new LoginGuard();
    (await guard.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
    const err = await refusal(guard.beginAttempt('SN1', WRONG));
    assert.equal(err.reason, 'credential_failed_before');
    assert.equal(err.retryAfterSeconds, null);
    assert.equal(guard.hasFailed('SN1', WRONG), true);
  });

  it('keeps per-device records: a failure on one device does not block another', async () => {
    const guard = new LoginGuard();
    (await guard.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
    const attempt = await guard.beginAttempt('SN2', WRONG);
    attempt.succeeded();
  });

  it('allows a credential that succeeded to be used again and again', async () => {
    const guard = new LoginGuard();
    for (let i = 0; i < 5; i++) (await guard.beginAttempt('SN1', RIGHT)).succeeded();
  });

  it('spends at most two failed logins per device per 30 minutes, whatever the credentials', async () => {
    const clock = fakeClock();
    const guard = new LoginGuard({ clock: clock.now });
    (await guard.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
    (await guard.beginAttempt('SN1', OTHER)).failed(NO_LOCK);
    const err = await refusal(guard.beginAttempt('SN1', RIGHT));
    assert.equal(err.reason, 'failure_budget');
    assert.equal(err.retryAfterSeconds, 1800);
    clock.advance(30 * 60_000);
    (await guard.beginAttempt('SN1', RIGHT)).succeeded();
  });

  it('stops when the device says one more failure would lock it', async () => {
    const guard = new LoginGuard();
    (await guard.beginAttempt('SN1', WRONG)).failed({ locked: false, unlockInSeconds: 0, retriesLeft: 1 });
    const err = await refusal(guard.beginAttempt('SN1', RIGHT));
    assert.equal(err.reason, 'failure_budget');
  });

  it('sends nothing inside a reported lock window, then allows again after unlock time plus margin', async () => {
    const clock = fakeClock();
    const guard = new LoginGuard({ clock: clock.now, lockMarginMs: 60_000 });
    guard.recordLockInfo('SN1', { locked: true, unlockInSeconds: 210, retriesLeft: 0 });
    assert.throws(
      () => guard.assertMayContact('SN1'),
      (e: unknown) => {
        assert.ok(e instanceof LoginGuardRefusedError);
        assert.equal(e.reason, 'lock_window');
        assert.equal(e.retryAfterSeconds, 270);
        return true;
      },
    );
    assert.equal((await refusal(guard.beginAttempt('SN1', RIGHT))).reason, 'lock_window');
    clock.advance(269_000);
    assert.throws(() => guard.assertMayContact('SN1'), LoginGuardRefusedError);
    clock.advance(1_000);
    guard.assertMayContact('SN1');
    // The lock body's "0 tries left" ended with the lock: logins are allowed again.
    (await guard.beginAttempt('SN1', RIGHT)).succeeded();
  });

  it('assumes the 30 minute default when a lock comes without an unlock time', async () => {
    const clock = fakeClock();
    const guard = new LoginGuard({ clock: clock.now, lockMarginMs: 0 });
    (await guard.beginAttempt('SN1', WRONG)).failed({ locked: true, unlockInSeconds: null, retriesLeft: 0 });
    clock.advance(30 * 60_000 - 1);
    assert.throws(() => guard.assertMayContact('SN1'), LoginGuardRefusedError);
    clock.advance(1);
    guard.assertMayContact('SN1');
  });

  it('runs attempts on one device one at a time, so concurrent requests with a wrong password cost one failure', async () => {
    const guard = new LoginGuard();
    const first = await guard.beginAttempt('SN1', WRONG);
    const queued = [guard.beginAttempt('SN1', WRONG), guard.beginAttempt('SN1', WRONG)];
    let settledEarly = false;
    void Promise.allSettled(queued).then(() => (settledEarly = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settledEarly, false, 'queued attempts must wait for the first one');
    first.failed(NO_LOCK);
    for (const q of queued) assert.equal((await refusal(q)).reason, 'credential_failed_before');
  });

  it('learns nothing from an inconclusive attempt and releases the device', async () => {
    const guard = new LoginGuard();
    (await guard.beginAttempt('SN1', WRONG)).inconclusive();
    (await guard.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
    assert.equal(guard.hasFailed('SN1', WRONG), true);
  });

  it('counts an outcome once even if reported twice', async () => {
    const guard = new LoginGuard();
    const attempt = await guard.beginAttempt('SN1', WRONG);
    attempt.failed(NO_LOCK);
    attempt.failed(NO_LOCK);
    attempt.inconclusive();
    (await guard.beginAttempt('SN1', OTHER)).succeeded();
  });

  it('carries what was learnt under the host over to the serial once the serial is known', async () => {
    const guard = new LoginGuard();
    (await guard.beginAttempt('127.0.0.11:80', WRONG)).failed(NO_LOCK);
    guard.linkHostToSerial('127.0.0.11:80', 'SN1');
    assert.equal(guard.hasFailed('SN1', WRONG), true);
    assert.equal(
      (await refusal(guard.beginAttempt('127.0.0.11:80', WRONG))).reason,
      'credential_failed_before',
    );
  });

  it('merges host and serial records when both exist, keeping the stricter view', async () => {
    const clock = fakeClock();
    const guard = new LoginGuard({ clock: clock.now });
    (await guard.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
    (await guard.beginAttempt('10.0.0.5:80', OTHER)).failed(NO_LOCK);
    guard.linkHostToSerial('10.0.0.5:80', 'SN1');
    assert.equal(guard.hasFailed('SN1', OTHER), true);
    assert.equal((await refusal(guard.beginAttempt('SN1', RIGHT))).reason, 'failure_budget');
  });
});
