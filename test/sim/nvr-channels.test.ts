import assert from 'node:assert/strict';
import type { SimDevice } from '../../sim';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, NEW_PASSWORD, PASSWORD, startDevice } from './helpers/devices';
import { tagText } from './helpers/http';

const CHANNELS = '/ISAPI/ContentMgmt/InputProxy/channels';
const NVR_HOST = '127.0.0.24';

describe('sim NVR channels', () => {
  let camera: SimDevice;
  let nvr: SimDevice;

  beforeEach(async () => {
    camera = await startDevice({}, { host: '127.0.0.23' });
    nvr = await startDevice(
      {
        deviceType: 'NVR',
        namespace: 'http://www.isapi.org/ver20/XMLSchema',
        channels: [
          { ipAddress: camera.host!, managePortNo: camera.port!, userName: 'admin', password: PASSWORD },
        ],
      },
      { host: NVR_HOST },
    );
  });
  afterEach(closeDevices);

  it('lists channels in the recorded shape without any password', async () => {
    const reply = await digestRequest(nvr, CHANNELS, ADMIN);
    assert.equal(reply.status, 200);
    assert.match(
      reply.body,
      /<InputProxyChannelList version="2.0" xmlns="http:\/\/www\.isapi\.org\/ver20\/XMLSchema">/,
    );
    assert.match(
      reply.body,
      /<sourceInputPortDescriptor>\n<proxyProtocol>HIKVISION<\/proxyProtocol>\n<addressingFormatType>ipaddress<\/addressingFormatType>/,
    );
    assert.equal(tagText(reply.body, 'ipAddress'), camera.host);
    assert.doesNotMatch(reply.body, /password/i);
    assert.doesNotMatch(reply.body, new RegExp(PASSWORD));
  });

  it('shows a channel online when its stored credential works, at no failed login', async () => {
    const reply = await digestRequest(nvr, `${CHANNELS}/status`, ADMIN);
    assert.equal(tagText(reply.body, 'online'), 'true');
    assert.equal(tagText(reply.body, 'chanDetectResult'), 'connect');
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.requestsByPath.get('GET /ISAPI/System/deviceInfo'), 2);
  });

  it('shows a channel offline after the camera password changed, costing the camera one failed login from the NVR', async () => {
    camera.setPassword('admin', NEW_PASSWORD);
    const reply = await digestRequest(nvr, `${CHANNELS}/status`, ADMIN);
    assert.equal(tagText(reply.body, 'online'), 'false');
    assert.equal(tagText(reply.body, 'chanDetectResult'), 'userNameOrPasswordError');
    assert.equal(camera.counters.failedLogins, 1);
    assert.equal(camera.counters.failedLoginsByIp.get(NVR_HOST), 1);
  });

  it('updates only the fields a PUT gives, password included, and comes back online', async () => {
    camera.setPassword('admin', NEW_PASSWORD);
    const body =
      '<InputProxyChannel><id>1</id><sourceInputPortDescriptor>' +
      `<password>${NEW_PASSWORD}</password></sourceInputPortDescriptor></InputProxyChannel>`;
    const put = await digestRequest(nvr, `${CHANNELS}/1`, ADMIN, { method: 'PUT', body });
    assert.equal(tagText(put.body, 'statusCode'), '1');
    const channel = nvr.state.channelById(1)!;
    assert.deepEqual(
      [channel.ipAddress, channel.managePortNo, channel.userName],
      [camera.host, camera.port, 'admin'],
    );
    const status = await digestRequest(nvr, `${CHANNELS}/status`, ADMIN);
    assert.equal(tagText(status.body, 'online'), 'true');
    const one = await digestRequest(nvr, `${CHANNELS}/1`, ADMIN);
    assert.doesNotMatch(one.body, new RegExp(`password|${NEW_PASSWORD}`, 'i'));
  });

  it('reports an unreachable camera as offline', async () => {
    await camera.close();
    const reply = await digestRequest(nvr, `${CHANNELS}/status`, ADMIN);
    assert.equal(tagText(reply.body, 'online'), 'false');
    assert.equal(tagText(reply.body, 'chanDetectResult'), 'netUnreachable');
  });

  it('answers the channel endpoints on a camera with 403 notSupport', async () => {
    const reply = await digestRequest(camera, CHANNELS, ADMIN);
    assert.equal(reply.status, 403);
    assert.equal(tagText(reply.body, 'subStatusCode'), 'notSupport');
  });
});
