import assert from 'node:assert/strict';
import {
  basicAuthorization,
  digestAuthorization,
  digestParams,
  digestRequest,
} from './helpers/digest-client';
import { ADMIN, closeDevices, startDevice } from './helpers/devices';
import { send, tagText } from './helpers/http';

const INFO = '/ISAPI/System/deviceInfo';
const WRONG = { userName: 'admin', password: 'Wrong-Pass9' };

describe('sim digest authentication', () => {
  afterEach(closeDevices);

  it('answers a first unauthenticated request with a challenge and counts no failed login', async () => {
    const device = await startDevice();
    const reply = await send(device, '/ISAPI/Security/userCheck');
    assert.equal(reply.status, 401);
    assert.equal(reply.challenges.length, 1);
    assert.match(
      reply.body,
      /<userCheck>\s*<statusValue>401<\/statusValue>\s*<statusString>Unauthorized<\/statusString>\s*<\/userCheck>/,
    );
    assert.equal(device.counters.failedLogins, 0);
    assert.equal(device.counters.requests, 1);
  });

  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const) {
    it(`accepts the right password with ${algorithm} and names it in the challenge`, async () => {
      const device = await startDevice({ digestAlgorithm: algorithm });
      const first = await send(device, INFO);
      assert.equal(digestParams(first.challenges)['algorithm'], algorithm);
      const authorization = digestAuthorization(first.challenges, ADMIN, 'GET', INFO);
      const reply = await send(device, INFO, { headers: { authorization } });
      assert.equal(reply.status, 200);
      assert.equal(device.counters.authenticatedRequests, 1);
      assert.equal(device.counters.failedLogins, 0);
    });

    it(`rejects a wrong password with ${algorithm} as exactly one failed login`, async () => {
      const device = await startDevice({ digestAlgorithm: algorithm });
      const reply = await digestRequest(device, INFO, WRONG);
      assert.equal(reply.status, 401);
      assert.equal(tagText(reply.body, 'lockStatus'), 'unlock');
      assert.equal(tagText(reply.body, 'retryLoginTime'), '6');
      assert.equal(device.counters.failedLogins, 1);
      assert.equal(device.counters.failedLoginsByIp.get('127.0.0.1'), 1);
    });
  }

  it('rejects an answer computed with another algorithm than the challenge named', async () => {
    const device = await startDevice({ digestAlgorithm: 'SHA-256' });
    const reply = await digestRequest(device, INFO, ADMIN, { algorithm: 'MD5' });
    assert.equal(reply.status, 401);
    assert.equal(device.counters.failedLogins, 1);
  });

  it('accepts RFC 2069 digests without qop', async () => {
    const device = await startDevice();
    const reply = await digestRequest(device, INFO, ADMIN, { noQop: true });
    assert.equal(reply.status, 200);
  });

  it('refuses a reused nonce with stale=TRUE, a fresh nonce, and no failed login', async () => {
    const device = await startDevice();
    const first = await send(device, INFO);
    const authorization = digestAuthorization(first.challenges, ADMIN, 'GET', INFO);
    assert.equal((await send(device, INFO, { headers: { authorization } })).status, 200);
    const replay = await send(device, INFO, { headers: { authorization } });
    assert.equal(replay.status, 401);
    const params = digestParams(replay.challenges);
    assert.equal(params['stale'], 'TRUE');
    assert.notEqual(params['nonce'], digestParams(first.challenges)['nonce']);
    assert.equal(device.counters.nonceRejections, 1);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('refuses a nonce it never issued as stale, even with a wrong password', async () => {
    const device = await startDevice();
    const forged = ['Digest realm="x", nonce="00000000000000000000000000000000:1700000000000", qop="auth"'];
    const authorization = digestAuthorization(forged, WRONG, 'GET', INFO);
    const reply = await send(device, INFO, { headers: { authorization } });
    assert.equal(reply.status, 401);
    assert.equal(digestParams(reply.challenges)['stale'], 'TRUE');
    assert.deepEqual([device.counters.nonceRejections, device.counters.failedLogins], [1, 0]);
  });

  it('lets a nonce be reused when nonceSingleUse is off', async () => {
    const device = await startDevice({ nonceSingleUse: false });
    const first = await send(device, INFO);
    const authorization = digestAuthorization(first.challenges, ADMIN, 'GET', INFO);
    assert.equal((await send(device, INFO, { headers: { authorization } })).status, 200);
    assert.equal((await send(device, INFO, { headers: { authorization } })).status, 200);
  });

  it('answers 400 when the digest uri is not the requested one, without a failed login', async () => {
    const device = await startDevice();
    const reply = await digestRequest(device, INFO, ADMIN, { uri: '/ISAPI/Security/userCheck' });
    assert.equal(reply.status, 400);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('writes the new-firmware challenge byte for byte', async () => {
    const device = await startDevice();
    const [challenge] = (await send(device, INFO)).challenges;
    assert.match(
      challenge!,
      /^Digest realm="[0-9a-f]{24}", domain="::", qop="auth", nonce="[0-9a-f]{32}:\d{13}", opaque="", algorithm="MD5", stale="FALSE"$/,
    );
  });

  it('writes the old firmware challenge: IP Camera realm, base64-in-hex nonce, Basic in the same header', async () => {
    const device = await startDevice({
      realmStyle: 'ip-camera',
      nonceStyle: 'legacy',
      authOffer: 'digest-and-basic-one-header',
    });
    const reply = await send(device, INFO);
    assert.equal(reply.challenges.length, 1);
    const match =
      /^Digest qop="auth", realm="(IP Camera\([0-9A-F]{5}\))", nonce="([0-9a-f]+)", stale="FALSE", Basic realm="(.*)"$/.exec(
        reply.challenges[0]!,
      );
    assert.ok(match, reply.challenges[0]);
    assert.equal(match[3], match[1]);
    const nonce = Buffer.from(match[2]!, 'hex').toString('latin1');
    const decoded = Buffer.from(nonce, 'base64').toString('latin1');
    assert.match(decoded, /^[0-9a-f]{8}:[0-9a-f]{8}$/);
    assert.equal((await digestRequest(device, INFO, ADMIN)).status, 200);
  });

  it('offers Basic in a second header and accepts it when configured so', async () => {
    const device = await startDevice({ authOffer: 'digest-and-basic-headers' });
    const reply = await send(device, INFO);
    assert.deepEqual(
      reply.challenges.map((c) => c.split(' ')[0]),
      ['Digest', 'Basic'],
    );
    assert.equal(reply.challenges[1], `Basic realm="${device.authenticator.realm}"`);
    const ok = await send(device, INFO, { headers: { authorization: basicAuthorization(ADMIN) } });
    assert.equal(ok.status, 200);
  });

  it('counts Basic credentials sent to a digest-only device as a failed login', async () => {
    const device = await startDevice({ authOffer: 'digest' });
    const reply = await send(device, INFO, { headers: { authorization: basicAuthorization(ADMIN) } });
    assert.equal(reply.status, 401);
    assert.equal(device.counters.failedLogins, 1);
  });

  it('serves a Basic-only device with only a Basic challenge', async () => {
    const device = await startDevice({ authOffer: 'basic-only' });
    const reply = await send(device, INFO);
    assert.deepEqual(reply.challenges, [`Basic realm="${device.authenticator.realm}"`]);
    assert.equal(
      (await send(device, INFO, { headers: { authorization: basicAuthorization(ADMIN) } })).status,
      200,
    );
    assert.equal(
      (await send(device, INFO, { headers: { authorization: basicAuthorization(WRONG) } })).status,
      401,
    );
    assert.equal(device.counters.failedLogins, 1);
  });

  it('carries the Hikvision response headers', async () => {
    const device = await startDevice({ serverHeader: 'App-webs/' });
    const reply = await send(device, INFO);
    assert.equal(reply.headers['server'], 'App-webs/');
    assert.equal(reply.headers['x-frame-options'], 'SAMEORIGIN');
    assert.match(String(reply.headers['content-type']), /^text\/html/); // App-webs: HTML 401 page
    const ok = await digestRequest(device, INFO, ADMIN);
    assert.equal(ok.headers['content-type'], 'application/xml; charset="UTF-8"');
    assert.ok(ok.body.startsWith('<?xml version="1.0" encoding="UTF-8" ?>\n'));
  });
});
