import assert from 'node:assert/strict';
import {
  AuthFailedError,
  BodyTooLargeError,
  CertificatePinMismatchError,
  DeviceBusyError,
  DeviceLockedError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  LoginGuardRefusedError,
  NotActivatedError,
  NotSupportedError,
  UnsupportedAuthError,
  XmlParseError,
} from '../../../lib/errors';
import { activateDevice } from '../../../lib/isapi/endpoints/activation';
import {
  getProxyChannelStatus,
  listProxyChannels,
  putProxyChannelPassword,
} from '../../../lib/isapi/endpoints/input-proxy';
import {
  checkUser,
  getSecurityCapabilities,
  listUsers,
  putUserPassword,
} from '../../../lib/isapi/endpoints/security';
import { getActivationStatus, getDeviceInfo, reboot } from '../../../lib/isapi/endpoints/system';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { SimDeviceOptions } from '../../../sim';
import { ADMIN_PASSWORD, rejection, SimHarness } from '../../support/sim-devices';

const WRONG = { username: 'admin', password: 'Not-the-Passw0rd' };

describe('IsapiClient against the simulator', function () {
  this.timeout(15_000);
  const sim = new SimHarness();
  afterEach(() => sim.stop());

  describe('digest authentication across firmware generations', () => {
    const variants: [string, Partial<SimDeviceOptions>][] = [
      [
        'G2 firmware: 24-hex realm, epoch nonce, digest only',
        { realmStyle: 'hex24', nonceStyle: 'epoch', authOffer: 'digest' },
      ],
      ['Digest and Basic in two headers', { authOffer: 'digest-and-basic-headers' }],
      [
        'old firmware: IP Camera(…) realm, legacy nonce, Digest and Basic in one header',
        { realmStyle: 'ip-camera', nonceStyle: 'legacy', authOffer: 'digest-and-basic-one-header' },
      ],
      ['SHA-256 digest', { digestAlgorithm: 'SHA-256' }],
      [
        'std-cgi namespace with flase booleans',
        { namespace: 'http://www.std-cgi.com/ver20/XMLSchema', booleanQuirk: true },
      ],
      ['isapi.org namespace NVR', { deviceType: 'NVR', namespace: 'http://www.isapi.org/ver20/XMLSchema' }],
    ];
    for (const [label, quirks] of variants) {
      it(`reads the identity with one probe and one authenticated request: ${label}`, async () => {
        const device = await sim.device({ serialNumber: 'DS-TEST20240101AAWRJ00000042', ...quirks });
        const info = await getDeviceInfo(sim.client(device));
        assert.equal(info.serial, 'DS-TEST20240101AAWRJ00000042');
        assert.equal(info.model, device.profile.identity.model);
        assert.equal(info.deviceType, device.profile.identity.deviceType);
        assert.match(info.firmware ?? '', /^V\d+\.\d+\.\d+ build \d{6}$/);
        assert.match(info.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        assert.equal(device.counters.requests, 2);
        assert.equal(device.counters.authenticatedRequests, 1);
        assert.equal(device.counters.failedLogins, 0);
      });
    }

    it('uses Basic only when the device offers nothing else, inside HTTPS', async () => {
      const device = await sim.device({ authOffer: 'basic-only' }, true);
      const info = await getDeviceInfo(sim.client(device));
      assert.equal(info.serial, device.serialNumber);
      assert.equal(device.counters.failedLogins, 0);
    });

    it('refuses Basic over plain HTTP, where it would send the password in clear, unless allowed', async () => {
      const device = await sim.device({ authOffer: 'basic-only' });
      const err = await rejection(getDeviceInfo(sim.client(device)));
      assert.ok(err instanceof UnsupportedAuthError, String(err));
      assert.equal(device.counters.authenticatedRequests + device.counters.failedLogins, 0);
      const allowed = await getDeviceInfo(sim.client(device, { allowBasicOverHttp: true }));
      assert.equal(allowed.serial, device.serialNumber);
    });

    it('fetches a fresh challenge for every request by default, so single-use nonces are never refused', async () => {
      const device = await sim.device({ nonceSingleUse: true });
      const client = sim.client(device);
      for (let i = 0; i < 3; i++) await getDeviceInfo(client);
      assert.equal(device.counters.requests, 6);
      assert.equal(device.counters.nonceRejections, 0);
      assert.equal(device.counters.failedLogins, 0);
    });

    it('with nonce reuse enabled, recovers from a refused nonce without counting a failed login', async () => {
      const device = await sim.device({ nonceSingleUse: true });
      const client = sim.client(device, { reuseNonce: true });
      await getDeviceInfo(client);
      await getDeviceInfo(client);
      assert.equal(device.counters.nonceRejections, 1);
      assert.equal(device.counters.failedLogins, 0);
      assert.equal(device.counters.authenticatedRequests, 2);
    });

    it('with nonce reuse enabled, reuses the nonce where the device allows it', async () => {
      const device = await sim.device({ nonceSingleUse: false });
      const client = sim.client(device, { reuseNonce: true });
      for (let i = 0; i < 3; i++) await getDeviceInfo(client);
      assert.equal(device.counters.requests, 4, 'one probe, then three authenticated requests');
      assert.equal(device.counters.failedLogins, 0);
    });
  });

  describe('the login-attempt guard', () => {
    it('spends exactly one failed login on a wrong password and never sends it again', async () => {
      const device = await sim.device();
      const client = sim.client(device, { credential: WRONG });
      const first = await rejection(getDeviceInfo(client));
      assert.ok(first instanceof AuthFailedError);
      assert.equal(first.retriesLeft, 6);
      assert.equal(device.counters.failedLogins, 1);
      const requestsAfterFirst = device.counters.requests;

      const second = await rejection(getDeviceInfo(client));
      assert.ok(second instanceof LoginGuardRefusedError);
      assert.equal(second.reason, 'credential_failed_before');
      assert.equal(device.counters.requests, requestsAfterFirst, 'nothing was sent');
      assert.equal(device.counters.failedLogins, 1);
    });

    it('never causes a lock, even when many clients in the process try different wrong passwords', async () => {
      const device = await sim.device({ maxAdminFailures: 3 });
      const attempts = Array.from({ length: 8 }, (_, i) =>
        rejection(
          getDeviceInfo(
            sim.client(device, { credential: { username: 'admin', password: `Wrong-${i}-pass` } }),
          ),
        ),
      );
      const outcomes = await Promise.all(attempts);
      assert.equal(outcomes.filter((e) => e instanceof AuthFailedError).length, 2);
      assert.equal(outcomes.filter((e) => e instanceof LoginGuardRefusedError).length, 6);
      assert.equal(device.counters.failedLogins, 2);
      assert.equal(device.counters.locksTriggered, 0);
      // The right password is held back too until the window passes: the budget is per device.
      const right = await rejection(getDeviceInfo(sim.client(device)));
      assert.ok(right instanceof LoginGuardRefusedError);
      assert.equal(device.counters.locksTriggered, 0);
    });

    it('costs one failure, not one per request, when concurrent requests share a wrong password', async () => {
      const device = await sim.device();
      const client = sim.client(device, { credential: WRONG });
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => rejection(getDeviceInfo(client))));
      assert.equal(outcomes.filter((e) => e instanceof AuthFailedError).length, 1);
      assert.equal(device.counters.failedLogins, 1);
    });

    it('stops before the device would lock when it reports one try left', async () => {
      const device = await sim.device({ maxAdminFailures: 3 });
      await rejection(getDeviceInfo(sim.outsider(device, { credential: WRONG }))); // someone else spent one
      const ours = sim.client(device, { credential: { username: 'admin', password: 'Also-Wr0ng-pass' } });
      const err = await rejection(getDeviceInfo(ours));
      assert.ok(err instanceof AuthFailedError);
      assert.equal(err.retriesLeft, 1);
      // Within its own budget of two, but one more failure would lock the device: nothing is sent.
      const sent = device.counters.requests;
      const next = sim.client(device, { credential: { username: 'admin', password: 'Third-Wr0ng-pass' } });
      const refused = await rejection(getDeviceInfo(next));
      assert.ok(refused instanceof LoginGuardRefusedError);
      assert.equal(refused.reason, 'failure_budget');
      assert.equal(device.counters.requests, sent);
      assert.equal(device.counters.locksTriggered, 0);
    });

    it('sends no login to a device locked by someone else, and nothing at all until the lock ends', async () => {
      let now = 1_700_000_000_000;
      const device = await sim.device({ maxAdminFailures: 1, lockSeconds: 600, clock: () => now });
      sim.allowThirdPartyLock(device);
      const attacker = sim.outsider(device, { credential: WRONG });
      await rejection(getDeviceInfo(attacker));
      assert.equal(device.counters.locksTriggered, 1);

      const guard = new LoginGuard({ clock: () => now, lockMarginMs: 30_000 });
      const client = sim.client(device, { guard });
      const err = await rejection(getDeviceInfo(client));
      assert.ok(err instanceof DeviceLockedError, String(err));
      assert.ok(err.unlockInSeconds > 0 && err.unlockInSeconds <= 600);
      assert.equal(device.counters.lockRejections, 0, 'no authenticated attempt restarted the lock');

      const sent = device.counters.requests;
      const refused = await rejection(getDeviceInfo(client));
      assert.ok(refused instanceof LoginGuardRefusedError);
      assert.equal(refused.reason, 'lock_window');
      assert.equal(device.counters.requests, sent, 'no request at all inside the lock window');

      now += 600_000 + 30_000;
      const info = await getDeviceInfo(client);
      assert.equal(info.serial, device.serialNumber);
      assert.equal(device.counters.lockRejections, 0);
    });
  });

  describe('transport', () => {
    it('pins the certificate on first use and refuses a changed one before sending anything', async () => {
      const device = await sim.device({}, true);
      const learnt: string[] = [];
      const pin = { onFirstUse: (fp: string) => learnt.push(fp) };
      await getDeviceInfo(sim.client(device, { tlsPin: pin }));
      assert.equal(learnt.length, 1);
      assert.match(learnt[0]!, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

      device.useCertificate(device.certificateName === 'a' ? 'b' : 'a');
      const before = device.counters.requests;
      const err = await rejection(getDeviceInfo(sim.client(device, { tlsPin: { fingerprint: learnt[0] } })));
      assert.ok(err instanceof CertificatePinMismatchError, String(err));
      assert.equal(err.expectedFingerprint, learnt[0]);
      assert.equal(device.counters.requests, before, 'no HTTP request crossed the changed certificate');
    });

    it('accepts the pinned certificate on later connections', async () => {
      const device = await sim.device({}, true);
      const pin: { fingerprint?: string } = {};
      await getDeviceInfo(sim.client(device, { tlsPin: pin }));
      const info = await getDeviceInfo(sim.client(device, { tlsPin: { fingerprint: pin.fingerprint } }));
      assert.equal(info.serial, device.serialNumber);
    });

    it('gives up on a hung device after the request timeout', async () => {
      const device = await sim.device();
      device.faults.inject({ kind: 'hang', withCredentials: true });
      const err = await rejection(getDeviceInfo(sim.client(device, { requestTimeoutMs: 300 })));
      assert.ok(err instanceof DeviceTimeoutError, String(err));
      assert.equal(err.phase, 'response');
    });

    it('gives up on a body trickling in slower than the request timeout', async () => {
      const device = await sim.device();
      device.faults.inject({ kind: 'slowBody', durationMs: 5_000, chunks: 50, withCredentials: true });
      const err = await rejection(getDeviceInfo(sim.client(device, { requestTimeoutMs: 400 })));
      assert.ok(err instanceof DeviceTimeoutError, String(err));
    });

    it('tolerates latency within the timeout', async () => {
      const device = await sim.device();
      device.faults.inject({ kind: 'latency', ms: 50 });
      assert.equal((await getDeviceInfo(sim.client(device))).serial, device.serialNumber);
    });

    it('reports a dropped connection as unreachable', async () => {
      const device = await sim.device();
      device.faults.inject({ kind: 'dropConnection', times: 1 });
      const err = await rejection(getDeviceInfo(sim.client(device)));
      assert.ok(err instanceof DeviceUnreachableError, String(err));
      assert.equal(device.counters.failedLogins, 0);
    });

    it('reports a closed port as unreachable', async () => {
      const device = await sim.device();
      const client = sim.client(device);
      await device.close();
      assert.ok((await rejection(getDeviceInfo(client))) instanceof DeviceUnreachableError);
    });

    it('gives a typed error for a malformed XML answer, without counting it against the login', async () => {
      const device = await sim.device();
      device.faults.inject({
        kind: 'replaceBody',
        body: '<DeviceInfo><model>DS-2CD</DeviceInfo>',
        withCredentials: true,
      });
      const err = await rejection(getDeviceInfo(sim.client(device)));
      assert.ok(err instanceof XmlParseError, String(err));
      assert.equal(device.counters.failedLogins, 0);
    });

    it('refuses an oversized answer at the size cap without reading it all', async () => {
      const device = await sim.device();
      const huge = `<DeviceInfo><deviceName>${'A'.repeat(2_000_000)}</deviceName></DeviceInfo>`;
      device.faults.inject({ kind: 'replaceBody', body: huge, withCredentials: true });
      const err = await rejection(getDeviceInfo(sim.client(device, { maxBodyBytes: 64 * 1024 })));
      assert.ok(err instanceof BodyTooLargeError, String(err));
      assert.equal(err.limitBytes, 64 * 1024);
    });

    it('refuses an entity bomb in an answer', async () => {
      const device = await sim.device();
      const bomb =
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
        '<DeviceInfo><serialNumber>&b;</serialNumber><model>M</model></DeviceInfo>';
      device.faults.inject({ kind: 'replaceBody', body: bomb, withCredentials: true });
      assert.ok((await rejection(getDeviceInfo(sim.client(device)))) instanceof XmlParseError);
    });

    it('reports a password PUT lost in a reboot as unreachable, leaving the outcome to be reconciled', async () => {
      const device = await sim.device({ rebootMs: 100 });
      const client = sim.client(device);
      const [admin] = await listUsers(client);
      device.faults.inject({
        kind: 'rebootMidRequest',
        applyBeforeFailing: true,
        method: 'PUT',
        withCredentials: true,
        times: 1,
      });
      const err = await rejection(
        putUserPassword(client, {
          user: admin!,
          newPassword: 'Applied-Pa55word',
          loginPassword: ADMIN_PASSWORD,
        }),
      );
      assert.ok(err instanceof DeviceUnreachableError, String(err));
      await device.whenUp();
      // The device did apply it: only the new password works now, and no login failed on the way.
      await checkUser(client, { username: 'admin', password: 'Applied-Pa55word' });
      assert.equal(device.counters.failedLogins, 0);
    });

    it('maps Device Busy to a typed, retriable error', async () => {
      const device = await sim.device();
      device.faults.inject({ kind: 'busy', withCredentials: true, times: 1 });
      const err = await rejection(getDeviceInfo(sim.client(device)));
      assert.ok(err instanceof DeviceBusyError, String(err));
    });
  });

  describe('endpoints', () => {
    it('verifies a credential with userCheck', async () => {
      const device = await sim.device();
      const result = await checkUser(sim.client(device));
      assert.equal(result.activated, true);
      assert.equal(device.counters.failedLogins, 0);
    });

    it('reads password and lock limits from the security capabilities', async () => {
      const device = await sim.device({ maxAdminFailures: 7, lockSeconds: 1800 });
      const caps = await getSecurityCapabilities(sim.client(device));
      assert.equal(caps.passwordLength.max, 16);
      assert.ok((caps.passwordLength.min ?? 0) >= 1);
      assert.equal(caps.illegalLoginAttempts.default, 7);
    });

    it('changes the admin password: the new one works, the old one no longer does', async () => {
      const device = await sim.device({ requireLoginPassword: true });
      const client = sim.client(device);
      const [admin] = await listUsers(client);
      assert.equal(admin?.userName, 'admin');
      const next = 'Rotated-Pa55word';
      await putUserPassword(client, { user: admin, newPassword: next, loginPassword: ADMIN_PASSWORD });
      assert.equal(device.counters.passwordChanges, 1);
      await checkUser(client, { username: 'admin', password: next });
      const old = await rejection(checkUser(sim.client(device, { guard: new LoginGuard() })));
      assert.ok(old instanceof AuthFailedError);
    });

    it('escapes XML-significant characters in a new password', async () => {
      const device = await sim.device();
      const client = sim.client(device);
      const [admin] = await listUsers(client);
      const next = 'A<b>&c"d\'e1';
      await putUserPassword(client, { user: admin!, newPassword: next, loginPassword: ADMIN_PASSWORD });
      await checkUser(client, { username: 'admin', password: next });
    });

    it('detects an inactive device without logging in and activates it', async () => {
      const device = await sim.device({ adminPassword: null });
      const client = sim.client(device);
      assert.equal(await getActivationStatus(client), false);
      const notActive = await rejection(getDeviceInfo(client));
      assert.ok(notActive instanceof NotActivatedError, String(notActive));
      assert.equal(device.counters.failedLogins, 0);

      await activateDevice(client, ADMIN_PASSWORD);
      assert.equal(device.counters.activations, 1);
      assert.equal(await getActivationStatus(client), true);
      assert.equal((await getDeviceInfo(client)).serial, device.serialNumber);
    });

    it('notices a factory reset through the free activation probe', async () => {
      const device = await sim.device();
      const client = sim.client(device);
      assert.equal(await getActivationStatus(client), true);
      await device.factoryReset();
      assert.equal(await getActivationStatus(client), false);
      assert.equal(device.counters.failedLogins, 0);
    });

    it('reboots the device', async () => {
      const device = await sim.device({ rebootMs: 200 });
      const client = sim.client(device);
      await reboot(client);
      assert.equal(device.counters.reboots, 1);
      await device.whenUp();
      assert.equal((await getDeviceInfo(client)).serial, device.serialNumber);
    });

    it('updates an NVR channel password so the recorder can log in to the rotated camera again', async () => {
      const camera = await sim.device();
      const nvr = await sim.device({ deviceType: 'NVR' });
      nvr.addChannel({
        ipAddress: camera.host!,
        managePortNo: camera.port!,
        userName: 'admin',
        password: ADMIN_PASSWORD,
        model: camera.profile.identity.model,
      });
      const nvrClient = sim.client(nvr);
      const [channel] = await listProxyChannels(nvrClient);
      assert.equal(channel?.ipAddress, camera.host);
      assert.deepEqual(
        (await getProxyChannelStatus(nvrClient)).map((s) => s.online),
        [true],
      );

      const next = 'Rotated-Pa55word';
      const cameraClient = sim.client(camera);
      const [admin] = await listUsers(cameraClient);
      await putUserPassword(cameraClient, { user: admin!, newPassword: next, loginPassword: ADMIN_PASSWORD });
      await putProxyChannelPassword(nvrClient, channel.id, next);
      assert.deepEqual(
        (await getProxyChannelStatus(nvrClient)).map((s) => s.online),
        [true],
      );
      assert.equal(camera.counters.failedLogins, 0, 'the NVR never tried a stale password on the camera');
    });

    it('gets NotSupported for NVR channels on a camera', async () => {
      const camera = await sim.device();
      assert.ok((await rejection(listProxyChannels(sim.client(camera)))) instanceof NotSupportedError);
    });
  });
});
