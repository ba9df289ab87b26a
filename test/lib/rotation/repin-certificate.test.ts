/**
 * Re-pinning a device's certificate: both fingerprints are shown, nothing is pinned without a
 * confirmation of exactly the presented one, and only a TLS handshake reaches the device.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  CertificateNotConfirmedError,
  InvalidArgumentError,
  VaultRecordMissingError,
} from '../../../lib/errors';
import { repinCertificate } from '../../../lib/rotation/repin-certificate';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import { loadSimCertificate } from '../../../sim/tls-certificates';
import { RotationFixture } from './support/rotation-fixture';

const fingerprintOf = (name: 'a' | 'b' | 'c'): string =>
  new X509Certificate(loadSimCertificate(name).cert).fingerprint256;

describe('repinCertificate', function () {
  this.timeout(15_000);
  const fx = new RotationFixture();
  beforeEach(() => fx.open());
  afterEach(() => fx.stop());

  /** A camera enrolled over HTTPS with certificate `a` pinned, now presenting `b`. */
  async function replacedCertificate() {
    const camera = await fx.enrolledDevice({ certificate: 'a' }, { https: true });
    await fx.vault.update(camera.serialNumber, { tlsPin: fingerprintOf('a') });
    camera.useCertificate('b');
    return camera;
  }

  it('without a confirmation shows the pinned and the presented fingerprints and changes nothing', async () => {
    const camera = await replacedCertificate();
    const outcome = await repinCertificate({ vault: fx.vault, serial: camera.serialNumber });
    assert.deepEqual(outcome, {
      serial: camera.serialNumber,
      host: camera.host,
      port: camera.port,
      pinned: fingerprintOf('a'),
      presented: fingerprintOf('b'),
      result: 'confirmation_needed',
    });
    assert.equal(fx.vault.get(camera.serialNumber)?.tlsPin, fingerprintOf('a'));
    assert.equal(camera.counters.requests, 0, 'a handshake only: no request, no credential');
  });

  it('pins the presented certificate when exactly it is confirmed (any case, colons optional), then rotations work again', async () => {
    const camera = await replacedCertificate();
    const refused = await rotateDevice(fx.options(camera, { allowHttpPasswordChange: false }));
    assert.equal(refused.reason, 'HIK_ERR_CERT_CHANGED');

    const typed = fingerprintOf('b').replace(/:/g, '').toLowerCase();
    const outcome = await repinCertificate({ vault: fx.vault, serial: camera.serialNumber, confirm: typed });
    assert.equal(outcome.result, 'repinned');
    assert.equal(outcome.pinned, fingerprintOf('a'));
    assert.equal(fx.vault.get(camera.serialNumber)?.tlsPin, fingerprintOf('b'));
    assert.equal(camera.counters.requests, 0);

    const again = await repinCertificate({ vault: fx.vault, serial: camera.serialNumber });
    assert.equal(again.result, 'unchanged');
    const rotated = await rotateDevice(fx.options(camera, { allowHttpPasswordChange: false }));
    assert.equal(rotated.result, 'rotated', String(rotated.error));
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('refuses a confirmation of another fingerprint than the presented one, pinning nothing', async () => {
    const camera = await replacedCertificate();
    await assert.rejects(
      repinCertificate({ vault: fx.vault, serial: camera.serialNumber, confirm: fingerprintOf('c') }),
      (err: unknown) =>
        err instanceof CertificateNotConfirmedError && err.presentedFingerprint === fingerprintOf('b'),
    );
    assert.equal(fx.vault.get(camera.serialNumber)?.tlsPin, fingerprintOf('a'));
  });

  it('asks the address it is given (the configured one) rather than the vault’s', async () => {
    const camera = await replacedCertificate();
    await fx.vault.update(camera.serialNumber, { host: '127.0.0.9', port: 9 });
    const outcome = await repinCertificate({
      vault: fx.vault,
      serial: camera.serialNumber,
      address: { host: camera.host!, port: camera.port!, protocol: 'https' },
      confirm: fingerprintOf('b'),
    });
    assert.equal(outcome.result, 'repinned');
    assert.equal(outcome.host, camera.host);
  });

  it('refuses what it cannot do: an unknown serial, a plain-HTTP device, a malformed fingerprint', async () => {
    const plain = await fx.enrolledDevice();
    await assert.rejects(repinCertificate({ vault: fx.vault, serial: 'NOPE' }), VaultRecordMissingError);
    await assert.rejects(
      repinCertificate({ vault: fx.vault, serial: plain.serialNumber }),
      InvalidArgumentError,
    );
    const camera = await replacedCertificate();
    for (const bad of ['', 'AB:CD', `${fingerprintOf('b')}:00`, `G${fingerprintOf('b').slice(1)}`]) {
      await assert.rejects(
        repinCertificate({ vault: fx.vault, serial: camera.serialNumber, confirm: bad }),
        InvalidArgumentError,
        bad,
      );
    }
    assert.equal(plain.counters.requests + camera.counters.requests, 0);
  });
});
