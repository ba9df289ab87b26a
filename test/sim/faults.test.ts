import assert from 'node:assert/strict';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, NEW_PASSWORD, PASSWORD, startDevice } from './helpers/devices';
import { send, tagText } from './helpers/http';

const INFO = '/ISAPI/System/deviceInfo';
const STATUS_PATH = '/SDK/activateStatus';
const PUT_USER = '/ISAPI/Security/users/1';
const CHANGE = `<User><id>1</id><userName>admin</userName><password>${NEW_PASSWORD}</password></User>`;

describe('sim faults', () => {
  afterEach(closeDevices);

  it('delays answers with latency, then answers normally', async () => {
    const device = await startDevice();
    const fault = device.faults.inject({ kind: 'latency', ms: 30, path: STATUS_PATH, times: 1 });
    assert.equal((await send(device, STATUS_PATH)).status, 200);
    assert.equal(fault.hits, 1);
    await send(device, STATUS_PATH);
    assert.equal(fault.hits, 1);
  });

  it('drops the connection without an answer for the given number of requests', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'dropConnection', times: 2 });
    await assert.rejects(send(device, STATUS_PATH), /socket hang up|ECONNRESET/);
    await assert.rejects(send(device, STATUS_PATH), /socket hang up|ECONNRESET/);
    assert.equal((await send(device, STATUS_PATH)).status, 200);
    assert.equal(device.counters.requests, 3);
  });

  it('drops only the matching method and path', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'dropConnection', method: 'PUT', path: /^\/ISAPI\/Security\/users\/\d+$/ });
    assert.equal((await digestRequest(device, INFO, ADMIN)).status, 200);
    await assert.rejects(
      digestRequest(device, PUT_USER, ADMIN, { method: 'PUT', body: CHANGE }),
      /socket hang up|ECONNRESET/,
    );
    assert.equal(device.state.admin.password, PASSWORD);
  });

  it('answers busy with 503 and ResponseStatus Device Busy', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'busy', times: 1 });
    const reply = await send(device, INFO);
    assert.equal(reply.status, 503);
    assert.deepEqual(
      [tagText(reply.body, 'statusCode'), tagText(reply.body, 'statusString')],
      ['2', 'Device Busy'],
    );
    assert.equal(device.counters.failedLogins, 0);
  });

  it('sends a slow body in several pieces that add up to the whole document', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'slowBody', durationMs: 60, chunks: 3, path: STATUS_PATH });
    const pieces: Buffer[] = [];
    const reply = await send(device, STATUS_PATH, { onData: (chunk) => pieces.push(chunk) });
    assert.equal(tagText(reply.body, 'Activated'), 'true');
    assert.ok(pieces.length >= 2, `got ${pieces.length} piece(s)`);
  });

  it('hangs until the faults are cleared, then answers', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'hang', path: STATUS_PATH });
    const pending = send(device, STATUS_PATH);
    await waitFor(() => device.faults.hungRequests === 1);
    device.faults.clear();
    assert.equal((await pending).status, 200);
  });

  it('still closes promptly while a request hangs', async () => {
    const device = await startDevice();
    device.faults.inject({ kind: 'hang' });
    const pending = send(device, STATUS_PATH).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => device.faults.hungRequests === 1);
    await device.close();
    assert.equal(await pending, 'failed');
    assert.equal(device.isUp, false);
  });

  it('reboots mid-request after applying the change when asked to', async () => {
    const device = await startDevice();
    device.faults.inject({
      kind: 'rebootMidRequest',
      applyBeforeFailing: true,
      method: 'PUT',
      path: PUT_USER,
      withCredentials: true,
      times: 1,
    });
    await assert.rejects(
      digestRequest(device, PUT_USER, ADMIN, { method: 'PUT', body: CHANGE }),
      /socket hang up|ECONNRESET/,
    );
    assert.equal(device.state.admin.password, NEW_PASSWORD);
    assert.equal(device.counters.passwordChanges, 1);
    assert.equal(device.counters.reboots, 1);
    await device.whenUp();
    const check = await digestRequest(device, '/ISAPI/Security/userCheck', {
      userName: 'admin',
      password: NEW_PASSWORD,
    });
    assert.equal(check.status, 200);
  });

  it('reboots mid-request without applying the change by default', async () => {
    const device = await startDevice();
    device.faults.inject({
      kind: 'rebootMidRequest',
      method: 'PUT',
      path: PUT_USER,
      withCredentials: true,
      times: 1,
    });
    await assert.rejects(
      digestRequest(device, PUT_USER, ADMIN, { method: 'PUT', body: CHANGE }),
      /socket hang up|ECONNRESET/,
    );
    await device.whenUp();
    assert.equal(device.state.admin.password, PASSWORD);
    assert.deepEqual([device.counters.reboots, device.counters.passwordChanges], [1, 0]);
  });

  it('answers with a replaced body, keeping the status, where firmware is broken or hostile', async () => {
    const device = await startDevice();
    device.faults.inject({
      kind: 'replaceBody',
      body: '<DeviceInfo><model>',
      path: INFO,
      withCredentials: true,
    });
    const reply = await digestRequest(device, INFO, ADMIN);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '<DeviceInfo><model>');
    assert.equal((await send(device, STATUS_PATH)).status, 200);
  });

  it('matches faults to requests without credentials only when asked to', async () => {
    const device = await startDevice();
    const fault = device.faults.inject({ kind: 'busy', withCredentials: false });
    assert.equal((await digestRequest(device, INFO, ADMIN)).status, 503);
    assert.equal(fault.hits, 1);
  });

  it('refuses connections while rebooting and comes back on the same address', async () => {
    const device = await startDevice({ rebootMs: 400 });
    const { port, host } = device;
    const reply = await digestRequest(device, '/ISAPI/System/reboot', ADMIN, { method: 'PUT' });
    assert.equal(tagText(reply.body, 'statusCode'), '1');
    await waitFor(() => !device.isUp);
    await assert.rejects(send(device, STATUS_PATH), /ECONNREFUSED/);
    await device.whenUp();
    assert.deepEqual([device.host, device.port], [host, port]);
    assert.equal((await send(device, STATUS_PATH)).status, 200);
    assert.equal(device.counters.reboots, 1);
  });
});

describe('sim reboot sequencing', () => {
  afterEach(closeDevices);

  it('queues a factory reset behind a reboot already under way and comes back up inactive', async () => {
    const device = await startDevice({ rebootMs: 50 });
    const reboot = device.reboot();
    const reset = device.factoryReset();
    await Promise.all([reboot, reset]);
    assert.equal(device.isUp, true);
    assert.equal(tagText((await send(device, STATUS_PATH)).body, 'Activated'), 'false');
    assert.deepEqual([device.counters.reboots, device.counters.factoryResets], [1, 1]);
  });
});

/** Polls a condition the simulator reaches asynchronously (bounded by the test timeout). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
