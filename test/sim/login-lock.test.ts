import assert from 'node:assert/strict';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, startDevice } from './helpers/devices';
import { send, tagText, type Reply } from './helpers/http';
import { ManualClock } from './helpers/manual-clock';

const CHECK = '/ISAPI/Security/userCheck';
const WRONG = { userName: 'admin', password: 'Wrong-Pass9' };

function lockFields(reply: Reply): [string | null, string | null, string | null] {
  return [
    tagText(reply.body, 'lockStatus'),
    tagText(reply.body, 'unlockTime'),
    tagText(reply.body, 'retryLoginTime'),
  ];
}

describe('sim illegal-login lock', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(closeDevices);

  it('counts down retryLoginTime and locks the IP at the seventh admin failure', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let left = 6; left >= 1; left--) {
      assert.deepEqual(lockFields(await digestRequest(device, CHECK, WRONG)), ['unlock', '0', String(left)]);
    }
    const seventh = await digestRequest(device, CHECK, WRONG);
    assert.equal(seventh.status, 401);
    assert.deepEqual(lockFields(seventh), ['lock', '1800', '0']);
    assert.equal(device.counters.failedLogins, 7);
    assert.equal(device.counters.locksTriggered, 1);
  });

  it('refuses the right password during the lock and restarts the lock at full length', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 7; i++) await digestRequest(device, CHECK, WRONG);
    clock.advance(600);
    const eighth = await digestRequest(device, CHECK, ADMIN);
    assert.equal(eighth.status, 401);
    assert.deepEqual(lockFields(eighth), ['lock', '1800', '0']);
    assert.equal(device.counters.lockRejections, 1);
    assert.equal(device.counters.failedLogins, 7);
    clock.advance(1799);
    assert.deepEqual(lockFields(await send(device, CHECK)), ['lock', '1', '0']);
  });

  it('shows the remaining lock to unauthenticated requests without restarting it', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 7; i++) await digestRequest(device, CHECK, WRONG);
    clock.advance(100);
    const probe = await send(device, '/ISAPI/System/deviceInfo');
    assert.equal(probe.status, 401);
    assert.equal(probe.challenges.length, 1);
    assert.deepEqual(lockFields(probe), ['lock', '1700', '0']);
    clock.advance(100);
    assert.deepEqual(lockFields(await send(device, CHECK)), ['lock', '1600', '0']);
    assert.equal(device.counters.lockRejections, 0);
  });

  it('lets the right password in once the lock has expired', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 7; i++) await digestRequest(device, CHECK, WRONG);
    clock.advance(1800);
    assert.equal((await digestRequest(device, CHECK, ADMIN)).status, 200);
    assert.deepEqual(lockFields(await digestRequest(device, CHECK, WRONG)), ['unlock', '0', '6']);
  });

  it('resets the failure count after a successful login', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 6; i++) await digestRequest(device, CHECK, WRONG);
    assert.equal((await digestRequest(device, CHECK, ADMIN)).status, 200);
    assert.deepEqual(lockFields(await digestRequest(device, CHECK, WRONG)), ['unlock', '0', '6']);
  });

  it('locks only the offending client IP', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 7; i++) await digestRequest(device, CHECK, WRONG, { localAddress: '127.0.0.66' });
    assert.equal((await digestRequest(device, CHECK, ADMIN, { localAddress: '127.0.0.66' })).status, 401);
    assert.equal((await digestRequest(device, CHECK, ADMIN, { localAddress: '127.0.0.67' })).status, 200);
    assert.equal(device.counters.failedLoginsByIp.get('127.0.0.66'), 7);
  });

  it('locks after five failures on an operator account', async () => {
    const device = await startDevice({
      clock: clock.now,
      users: [{ userName: 'operator1', password: 'Operator-Pass1' }],
    });
    const wrong = { userName: 'operator1', password: 'Wrong-Pass9' };
    for (let i = 0; i < 4; i++) await digestRequest(device, CHECK, wrong);
    assert.deepEqual(lockFields(await digestRequest(device, CHECK, wrong)), ['lock', '1800', '0']);
  });

  it('follows a configured failure limit and lock duration', async () => {
    const device = await startDevice({ clock: clock.now, maxAdminFailures: 3, lockSeconds: 60 });
    await digestRequest(device, CHECK, WRONG);
    await digestRequest(device, CHECK, WRONG);
    assert.deepEqual(lockFields(await digestRequest(device, CHECK, WRONG)), ['lock', '60', '0']);
  });

  it('lifts every lock on reboot', async () => {
    const device = await startDevice({ clock: clock.now });
    for (let i = 0; i < 7; i++) await digestRequest(device, CHECK, WRONG);
    await device.reboot();
    assert.equal((await digestRequest(device, CHECK, ADMIN)).status, 200);
  });
});
