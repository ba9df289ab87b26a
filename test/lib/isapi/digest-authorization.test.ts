import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../../lib/errors';
import { buildBasicAuthorization, buildDigestAuthorization } from '../../../lib/isapi/digest-authorization';
import {
  chooseAuth,
  parseAuthenticateHeaders,
  type DigestAlgorithm,
  type DigestChallenge,
} from '../../../lib/isapi/digest-challenge';

// RFC 7616 §3.9.1.
const RFC = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  method: 'GET',
  uri: '/dir/index.html',
};

function rfcChallenge(algorithm: DigestAlgorithm, extra: Partial<DigestChallenge> = {}): DigestChallenge {
  return {
    realm: RFC.realm,
    nonce: RFC.nonce,
    opaque: RFC.opaque,
    algorithm,
    qop: 'auth',
    stale: false,
    userhash: false,
    ...extra,
  };
}

function rfcAuthorization(challenge: DigestChallenge, nc = 1): string {
  return buildDigestAuthorization({
    challenge,
    username: RFC.username,
    password: RFC.password,
    method: RFC.method,
    uri: RFC.uri,
    cnonce: RFC.cnonce,
    nc,
  });
}

/** Reads one parameter back out of a header we built (values never contain escaped quotes here). */
function param(header: string, name: string): string | undefined {
  const match = new RegExp(`(?:^Digest |, )${name}=("([^"]*)"|[^,]*)`).exec(header);
  return match ? (match[2] ?? match[1]) : undefined;
}

function hex(hash: 'md5' | 'sha256', text: string): string {
  return createHash(hash).update(text, 'utf8').digest('hex');
}

describe('buildDigestAuthorization', () => {
  it('produces the RFC 7616 §3.9.1 MD5 header, quoted as in the RFC', () => {
    assert.equal(
      rfcAuthorization(rfcChallenge('MD5')),
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
        'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
        'response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
  });

  it('produces the RFC 7616 §3.9.1 SHA-256 response', () => {
    const header = rfcAuthorization(rfcChallenge('SHA-256'));
    assert.equal(
      param(header, 'response'),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    assert.equal(param(header, 'algorithm'), 'SHA-256');
  });

  it('answers the RFC challenges end to end: parse, choose SHA-256, build', () => {
    const common = `realm="${RFC.realm}", qop="auth, auth-int", nonce="${RFC.nonce}", opaque="${RFC.opaque}"`;
    const chosen = chooseAuth(
      parseAuthenticateHeaders([`Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`]),
    );
    assert.ok(chosen?.kind === 'digest');
    assert.equal(
      param(rfcAuthorization(chosen.challenge), 'response'),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  for (const [algorithm, hash] of [
    ['MD5-sess', 'md5'],
    ['SHA-256-sess', 'sha256'],
  ] as const) {
    it(`hashes the nonce and cnonce into HA1 for ${algorithm}`, () => {
      // RFC 7616 §3.4.2: A1 = H(user:realm:passwd):nonce:cnonce, so HA1 = H(H(user:realm:pass):nonce:cnonce).
      const userRealmPassword = hex(hash, `${RFC.username}:${RFC.realm}:${RFC.password}`);
      const ha1 = hex(hash, `${userRealmPassword}:${RFC.nonce}:${RFC.cnonce}`);
      // §3.4.3: A2 = method:uri for qop=auth.
      const ha2 = hex(hash, `${RFC.method}:${RFC.uri}`);
      // §3.4.1: response = KD(HA1, nonce:nc:cnonce:qop:HA2) = H(HA1:nonce:nc:cnonce:qop:HA2).
      const expected = hex(hash, `${ha1}:${RFC.nonce}:00000001:${RFC.cnonce}:auth:${ha2}`);

      const header = rfcAuthorization(rfcChallenge(algorithm));
      assert.equal(param(header, 'response'), expected);
      assert.equal(param(header, 'algorithm'), algorithm);
    });
  }

  it('uses the RFC 2069 form, without nc, cnonce or qop, when the device offers no qop', () => {
    const header = rfcAuthorization(rfcChallenge('MD5', { qop: null }));
    const ha1 = hex('md5', `${RFC.username}:${RFC.realm}:${RFC.password}`);
    const ha2 = hex('md5', `${RFC.method}:${RFC.uri}`);
    assert.equal(param(header, 'response'), hex('md5', `${ha1}:${RFC.nonce}:${ha2}`));
    assert.equal(param(header, 'nc'), undefined);
    assert.equal(param(header, 'cnonce'), undefined);
    assert.equal(param(header, 'qop'), undefined);
  });

  it('echoes the empty opaque that Hikvision sends, and omits opaque when none was sent', () => {
    assert.match(rfcAuthorization(rfcChallenge('MD5', { opaque: '' })), /, opaque=""$/);
    assert.doesNotMatch(rfcAuthorization(rfcChallenge('MD5', { opaque: null })), /opaque=/);
  });

  it('writes the nonce count as 8 lowercase hex digits and uses it in the response', () => {
    const header = rfcAuthorization(rfcChallenge('MD5'), 0x1a);
    assert.equal(param(header, 'nc'), '0000001a');
    const ha1 = hex('md5', `${RFC.username}:${RFC.realm}:${RFC.password}`);
    const ha2 = hex('md5', `${RFC.method}:${RFC.uri}`);
    assert.equal(
      param(header, 'response'),
      hex('md5', `${ha1}:${RFC.nonce}:0000001a:${RFC.cnonce}:auth:${ha2}`),
    );
  });

  it('defaults to nc=00000001 and a fresh 32-hex-digit cnonce', () => {
    const input = {
      challenge: rfcChallenge('MD5'),
      username: 'admin',
      password: 'x',
      method: 'GET',
      uri: '/',
    };
    const first = buildDigestAuthorization(input);
    const second = buildDigestAuthorization(input);
    assert.equal(param(first, 'nc'), '00000001');
    assert.match(param(first, 'cnonce') ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(param(first, 'cnonce'), param(second, 'cnonce'));
  });

  it('sends H(user:realm) as the user name with userhash=true when the device asks', () => {
    const header = rfcAuthorization(rfcChallenge('SHA-256', { userhash: true }));
    assert.equal(param(header, 'username'), hex('sha256', `${RFC.username}:${RFC.realm}`));
    assert.match(header, /, userhash=true$/);
    // The response still hashes the real user name (RFC 7616 §3.4.4).
    assert.equal(
      param(header, 'response'),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('sends a non-ASCII user name as username* (RFC 7616 §3.9.2 encoding)', () => {
    const header = buildDigestAuthorization({
      challenge: rfcChallenge('SHA-256'),
      username: 'J\u00e4s\u00f8n Doe',
      password: 'Secret, or not?',
      method: 'GET',
      uri: '/doe.json',
    });
    assert.match(header, /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, /);
  });

  it('escapes quotes and backslashes from the device inside quoted values', () => {
    const header = rfcAuthorization(rfcChallenge('MD5', { realm: 'IP Camera("x")\\' }));
    assert.match(header, / realm="IP Camera\(\\"x\\"\)\\\\", /);
  });

  it('refuses a method or uri that would break the header', () => {
    const base = { challenge: rfcChallenge('MD5'), username: 'admin', password: 'x' };
    assert.throws(
      () => buildDigestAuthorization({ ...base, method: 'GET\r\nX', uri: '/' }),
      InvalidArgumentError,
    );
    assert.throws(
      () => buildDigestAuthorization({ ...base, method: 'GET', uri: '/a b' }),
      InvalidArgumentError,
    );
    assert.throws(
      () => buildDigestAuthorization({ ...base, method: 'GET', uri: '/\r\nX: y' }),
      InvalidArgumentError,
    );
  });

  it('refuses a nonce count outside 1..2^32-1 and -sess without qop', () => {
    assert.throws(() => rfcAuthorization(rfcChallenge('MD5'), 0), InvalidArgumentError);
    assert.throws(() => rfcAuthorization(rfcChallenge('MD5'), 2 ** 32), InvalidArgumentError);
    assert.throws(() => rfcAuthorization(rfcChallenge('MD5-sess', { qop: null })), InvalidArgumentError);
  });

  it('never puts the password in the header', () => {
    assert.doesNotMatch(rfcAuthorization(rfcChallenge('MD5')), /Circle of Life/);
  });
});

describe('buildBasicAuthorization', () => {
  it('encodes user:password as UTF-8 base64 (RFC 7617 examples)', () => {
    assert.equal(buildBasicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(buildBasicAuthorization('test', '123\u00a3'), 'Basic dGVzdDoxMjPCow==');
  });

  it('refuses a user name containing a colon', () => {
    assert.throws(() => buildBasicAuthorization('a:b', 'x'), InvalidArgumentError);
  });
});
