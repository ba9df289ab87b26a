import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { loadSimCertificate } from '../../sim';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, startDevice } from './helpers/devices';
import { send } from './helpers/http';

function fingerprintOf(name: 'a' | 'b' | 'c'): string {
  return new X509Certificate(loadSimCertificate(name).cert).fingerprint256;
}

describe('sim HTTPS', () => {
  afterEach(closeDevices);

  it('serves ISAPI over HTTPS with its test certificate', async () => {
    const device = await startDevice({ certificate: 'a' }, { https: true });
    assert.match(device.url!, /^https:\/\/127\.0\.0\.21:\d+$/);
    const reply = await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN);
    assert.equal(reply.status, 200);
    assert.equal(reply.fingerprint, fingerprintOf('a'));
  });

  it('presents another certificate on new connections after useCertificate', async () => {
    const device = await startDevice({ certificate: 'a' }, { https: true });
    assert.equal((await send(device, '/SDK/activateStatus')).fingerprint, fingerprintOf('a'));
    device.useCertificate('b');
    assert.equal(device.certificateName, 'b');
    assert.equal((await send(device, '/SDK/activateStatus')).fingerprint, fingerprintOf('b'));
  });

  it('keeps its certificate across a reboot', async () => {
    const device = await startDevice({ certificate: 'c' }, { https: true });
    await device.reboot();
    assert.equal((await send(device, '/SDK/activateStatus')).fingerprint, fingerprintOf('c'));
  });
});
