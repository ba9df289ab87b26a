import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { loadSimCertificate } from '../../sim';
import { createSelfSignedCertificate } from '../../sim/self-signed-certificate';
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

describe('sim self-signed certificates', () => {
  it('encode a serial with leading zero bytes in DER’s shortest form, which OpenSSL accepts', () => {
    for (const first of [0x00, 0x80]) {
      const serial = Buffer.from([first, 0x00, 0x1f, 1, 2, 3, 4, 5]);
      const { cert } = createSelfSignedCertificate({
        keyType: 'ec',
        commonName: 'DS-TEST',
        organization: 'hik-guard test',
        serial,
      });
      assert.equal(new X509Certificate(cert).serialNumber, '1F0102030405');
    }
  });
});
