import assert from 'node:assert/strict';
import { DeviceLockedError, ProtocolError } from '../../../../lib/errors';
import { getActivationStatus, getDeviceInfo } from '../../../../lib/isapi/endpoints/system';
import { DIGEST_CHALLENGE, ScriptedDevice } from '../../../support/scripted-device';

/** Firmware variations the simulator does not model, answered by a bare loopback server. */
describe('system endpoints on unusual firmware', () => {
  const device = new ScriptedDevice();
  afterEach(() => device.stop());
  const firmware = device.start.bind(device);

  it('reports activation as unknown when the firmware wants a login for activateStatus', async () => {
    const c = await firmware((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': DIGEST_CHALLENGE });
      res.end('<html><body>401</body></html>');
    });
    assert.equal(await getActivationStatus(c), null);
  });

  it('reports activation as unknown for an answer that is not XML', async () => {
    const c = await firmware((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end('<ActivateStatus><Activated>true</Activated>');
    });
    assert.equal(await getActivationStatus(c), null);
  });

  it('still reports a lock seen on the unauthenticated probe', async () => {
    const c = await firmware((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': DIGEST_CHALLENGE });
      res.end(
        '<userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString>' +
          '<lockStatus>lock</lockStatus><unlockTime>120</unlockTime><retryLoginTime>0</retryLoginTime></userCheck>',
      );
    });
    const err = await getActivationStatus(c).then(
      () => assert.fail('expected a lock'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DeviceLockedError);
    assert.equal(err.unlockInSeconds, 120);
  });

  it('explains a redirect to HTTPS instead of failing obscurely', async () => {
    const c = await firmware((_req, res) => {
      res.writeHead(302, { Location: 'https://127.0.0.1/ISAPI/System/deviceInfo' });
      res.end();
    });
    const err = await getDeviceInfo(c).then(
      () => assert.fail('expected a redirect error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProtocolError);
    assert.match(err.message, /redirects to https:\/\/127\.0\.0\.1\//);
  });
});
