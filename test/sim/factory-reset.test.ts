/**
 * `PUT /ISAPI/System/factoryReset?mode=…` on a simulated device: `full` reboots it inactive (as
 * `factoryReset()` and the reset button do), `basic` reboots it with its activation and users
 * kept; both answer OK first, only for an authenticated administrator, and other modes are refused.
 */
import assert from 'node:assert/strict';
import { eventually } from '../support/node-red-process';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, PASSWORD, startDevice } from './helpers/devices';
import { send, tagText } from './helpers/http';

const RESET = '/ISAPI/System/factoryReset';
const INFO = '/ISAPI/System/deviceInfo';
const ACTIVATE_STATUS = '/SDK/activateStatus';
const OPERATOR = { userName: 'operator1', password: 'Operator-Pass1' };

describe('sim ISAPI factory reset', () => {
  afterEach(closeDevices);

  it('mode=full answers OK, then reboots inactive with only the factory admin', async () => {
    const device = await startDevice({ users: [OPERATOR] });
    const reply = await digestRequest(device, `${RESET}?mode=full`, ADMIN, { method: 'PUT' });
    assert.equal(reply.status, 200);
    assert.deepEqual(
      [
        tagText(reply.body, 'requestURL'),
        tagText(reply.body, 'statusCode'),
        tagText(reply.body, 'subStatusCode'),
      ],
      [RESET, '1', 'ok'],
    );
    await eventually('the reset to begin', () => device.counters.factoryResets === 1);
    await device.whenUp();

    assert.equal(device.state.activated, false);
    assert.deepEqual(
      device.state.users.map((u) => [u.userName, u.password]),
      [['admin', null]],
    );
    assert.equal(tagText((await send(device, ACTIVATE_STATUS)).body, 'Activated'), 'false');
    const login = await digestRequest(device, INFO, ADMIN);
    assert.deepEqual([login.status, tagText(login.body, 'subStatusCode')], [401, 'notActivated']);
    assert.deepEqual(
      {
        requests: device.counters.requests,
        reset: device.counters.requestsByPath.get(`PUT ${RESET}`),
        authenticated: device.counters.authenticatedRequests,
        failedLogins: device.counters.failedLogins,
        factoryResets: device.counters.factoryResets,
        reboots: device.counters.reboots,
      },
      { requests: 5, reset: 2, authenticated: 1, failedLogins: 0, factoryResets: 1, reboots: 0 },
      'challenge + reset, then activateStatus and the refused deviceInfo (no failed login)',
    );
  });

  it('mode=basic answers OK, then reboots still activated with its users and passwords', async () => {
    const device = await startDevice({ deviceName: 'Front door', users: [OPERATOR] });
    const bootedAt = device.state.bootTime;
    const reply = await digestRequest(device, `${RESET}?mode=basic`, ADMIN, { method: 'PUT' });
    assert.deepEqual([reply.status, tagText(reply.body, 'statusCode')], [200, '1']);
    await eventually('the restore to begin', () => device.counters.reboots === 1);
    await device.whenUp();

    assert.equal(device.state.activated, true);
    assert.deepEqual(
      device.state.users.map((u) => [u.userName, u.password]),
      [
        ['admin', PASSWORD],
        ['operator1', OPERATOR.password],
      ],
    );
    assert.notEqual(device.state.bootTime, bootedAt);
    const info = await digestRequest(device, INFO, ADMIN);
    assert.deepEqual([info.status, tagText(info.body, 'deviceName')], [200, 'IP CAMERA']);
    assert.deepEqual(
      {
        reset: device.counters.requestsByPath.get(`PUT ${RESET}`),
        authenticated: device.counters.authenticatedRequests,
        failedLogins: device.counters.failedLogins,
        factoryResets: device.counters.factoryResets,
        reboots: device.counters.reboots,
      },
      { reset: 2, authenticated: 2, failedLogins: 0, factoryResets: 0, reboots: 1 },
    );
  });

  it('needs authentication: no credentials get a challenge, a wrong password a failed login, and nothing resets', async () => {
    const device = await startDevice();
    const anonymous = await send(device, `${RESET}?mode=full`, { method: 'PUT' });
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.challenges.some((c) => c.startsWith('Digest')));
    const wrong = await digestRequest(
      device,
      `${RESET}?mode=full`,
      { userName: 'admin', password: 'Wrong-Pass9' },
      { method: 'PUT' },
    );
    assert.equal(wrong.status, 401);

    assert.equal(device.isUp, true);
    assert.equal(device.state.activated, true);
    assert.equal(device.state.admin.password, PASSWORD);
    assert.deepEqual(
      [device.counters.failedLogins, device.counters.factoryResets, device.counters.reboots],
      [1, 0, 0],
    );
  });

  it('refuses an operator with invalidOperation', async () => {
    const device = await startDevice({ users: [OPERATOR] });
    const reply = await digestRequest(device, `${RESET}?mode=full`, OPERATOR, { method: 'PUT' });
    assert.deepEqual(
      [reply.status, tagText(reply.body, 'statusCode'), tagText(reply.body, 'subStatusCode')],
      [403, '4', 'invalidOperation'],
    );
    assert.deepEqual([device.state.activated, device.counters.factoryResets], [true, 0]);
  });

  it('refuses a missing or unknown mode with badParameters and stays up', async () => {
    const device = await startDevice();
    for (const query of ['', '?mode=', '?mode=FULL', '?mode=partial', '?full']) {
      const reply = await digestRequest(device, `${RESET}${query}`, ADMIN, { method: 'PUT' });
      assert.deepEqual(
        [reply.status, tagText(reply.body, 'statusCode'), tagText(reply.body, 'subStatusCode')],
        [400, '6', 'badParameters'],
        query,
      );
    }
    assert.equal(device.isUp, true);
    assert.deepEqual(
      [device.counters.factoryResets, device.counters.reboots, device.counters.failedLogins],
      [0, 0, 0],
    );
  });

  it('answers GET with methodNotAllowed', async () => {
    const device = await startDevice();
    const reply = await digestRequest(device, `${RESET}?mode=full`, ADMIN);
    assert.deepEqual([reply.status, tagText(reply.body, 'subStatusCode')], [403, 'methodNotAllowed']);
    assert.equal(device.counters.factoryResets, 0);
  });
});
