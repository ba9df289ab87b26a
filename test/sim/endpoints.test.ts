import assert from 'node:assert/strict';
import { parseXml } from '../../lib/xml/xml';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, startDevice } from './helpers/devices';
import { send, tagText } from './helpers/http';

describe('sim ISAPI endpoints', () => {
  afterEach(closeDevices);

  it('describes a camera in the IPC deviceInfo shape', async () => {
    const device = await startDevice({
      model: 'DS-2CD2386G2-IU',
      serialNumber: 'DS-2CD2386G2-IU20240101AAWRJ12345678',
    });
    const info = parseXml((await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN)).body);
    assert.equal(info.name, 'DeviceInfo');
    assert.equal(info.attributes['version'], '2.0');
    assert.equal(info.textAt('serialNumber'), 'DS-2CD2386G2-IU20240101AAWRJ12345678');
    assert.equal(info.textAt('deviceType'), 'IPCamera');
    assert.equal(info.textAt('firmwareVersion'), 'V5.7.15');
    assert.equal(info.textAt('firmwareReleasedDate'), 'build 240201');
    assert.match(info.textAt('macAddress')!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.match(info.textAt('deviceID')!, /^[0-9a-f-]{36}$/);
  });

  it('describes an NVR in the NVR deviceInfo shape', async () => {
    const device = await startDevice({
      deviceType: 'NVR',
      namespace: 'http://www.isapi.org/ver20/XMLSchema',
    });
    const body = (await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN)).body;
    assert.match(body, /<DeviceInfo version="2.0" xmlns="http:\/\/www\.isapi\.org\/ver20\/XMLSchema">/);
    const info = parseXml(body);
    assert.equal(info.textAt('deviceType'), 'NVR');
    assert.equal(info.textAt('decordChannelNums'), '0');
    assert.match(info.textAt('serialNumber')!, /^DS-7608NXI-I2\/8P\/S\d{8}CCRRJ\d{8}$/);
  });

  it('answers userCheck with status 200 and the password flags', async () => {
    const device = await startDevice();
    const body = (await digestRequest(device, '/ISAPI/Security/userCheck?timeStamp=1700000000000', ADMIN))
      .body;
    const check = parseXml(body);
    assert.deepEqual(
      ['statusValue', 'statusString', 'isDefaultPassword', 'isRiskPassword', 'isActivated'].map((n) =>
        check.textAt(n),
      ),
      ['200', 'OK', 'false', 'false', 'true'],
    );
  });

  it('flags a risky password set by a third party in userCheck', async () => {
    const device = await startDevice();
    device.setPassword('admin', 'abcdefgh');
    const body = (
      await digestRequest(device, '/ISAPI/Security/userCheck', { userName: 'admin', password: 'abcdefgh' })
    ).body;
    assert.equal(tagText(body, 'isRiskPassword'), 'true');
  });

  it('writes flase where the firmware has the boolean quirk', async () => {
    const device = await startDevice({ booleanQuirk: true });
    const body = (await digestRequest(device, '/ISAPI/Security/userCheck', ADMIN)).body;
    assert.equal(tagText(body, 'isDefaultPassword'), 'flase');
    assert.equal(tagText(body, 'isActivated'), 'true');
  });

  it('advertises its password length and lock policy in SecurityCap', async () => {
    const device = await startDevice({ maxAdminFailures: 5, lockSeconds: 600 });
    const cap = parseXml((await digestRequest(device, '/ISAPI/Security/capabilities', ADMIN)).body);
    assert.deepEqual({ ...cap.find('LoginPasswordLenLimit')!.attributes }, { min: '8', max: '16' });
    assert.equal(cap.find('maxIllegalLoginTimes')!.attributes['def'], '5');
    assert.equal(cap.find('maxIllegalLoginLockTime')!.attributes['def'], '10');
    assert.equal(cap.textAt('isSupportUserCheck'), 'true');
    assert.equal(cap.find('securityVersion')!.attributes['opt'], '1');
    assert.ok(cap.find('RSAKeyLength'));
  });

  it('reports uptime since the last boot in System/status', async () => {
    const device = await startDevice();
    const body = (await digestRequest(device, '/ISAPI/System/status', ADMIN)).body;
    assert.match(tagText(body, 'deviceUpTime')!, /^\d+$/);
  });

  it('answers an unknown path with 404 notSupport, after authentication', async () => {
    const device = await startDevice();
    assert.equal((await send(device, '/ISAPI/Nothing/here')).status, 401);
    const reply = await digestRequest(device, '/ISAPI/Nothing/here', ADMIN);
    assert.deepEqual(
      [reply.status, tagText(reply.body, 'statusCode'), tagText(reply.body, 'subStatusCode')],
      [404, '4', 'notSupport'],
    );
    assert.equal(tagText(reply.body, 'requestURL'), '/ISAPI/Nothing/here');
  });

  it('answers a wrong method with methodNotAllowed', async () => {
    const device = await startDevice();
    const reply = await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN, { method: 'DELETE' });
    assert.deepEqual([reply.status, tagText(reply.body, 'subStatusCode')], [403, 'methodNotAllowed']);
  });

  it('refuses request bodies over 64 KiB with 413', async () => {
    const device = await startDevice();
    const reply = await send(device, '/ISAPI/Security/users/1', {
      method: 'PUT',
      body: Buffer.alloc(65 * 1024, 'a'),
    });
    assert.equal(reply.status, 413);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('counts requests per method and path', async () => {
    const device = await startDevice();
    await digestRequest(device, '/ISAPI/System/deviceInfo?x=1', ADMIN);
    assert.equal(device.counters.requestsByPath.get('GET /ISAPI/System/deviceInfo'), 2);
    assert.equal(device.counters.authenticatedRequests, 1);
    device.resetCounters();
    assert.deepEqual([device.counters.requests, device.counters.requestsByPath.size], [0, 0]);
  });
});
