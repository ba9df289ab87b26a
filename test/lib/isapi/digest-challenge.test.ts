import assert from 'node:assert/strict';
import {
  chooseAuth,
  parseAuthenticateHeaders,
  toDigestChallenge,
  type AuthChallenge,
} from '../../../lib/isapi/digest-challenge';

// Shapes of real Hikvision challenges (docs/protocol/isapi.md §1.1); realms and nonces are made up.
const NVR_DIGEST =
  'Digest realm="a1b2c3d4e5f6a7b8c9d0e1f2", domain="::", qop="auth", nonce="0f1e2d3c4b5a69788796a5b4c3d2e1f0:1700000000123", opaque="", algorithm="MD5", stale="FALSE"';
const LOCKED_DIGEST =
  'Digest realm="0a1b2c3d4e5f0a1b2c3d4e5f", domain="::", qop="auth", nonce="99887766554433221100aabbccddeeff:1700000999999", opaque="", algorithm="MD5", stale="FALSE"';
const LOCKED_BASIC = 'Basic realm="0a1b2c3d4e5f0a1b2c3d4e5f"';
const OLD_IPC_ONE_HEADER =
  'Digest qop="auth", realm="IP Camera(12345)", nonce="4d7a41304e6a4d784d6a4e6d4e7a593d", stale="FALSE", Basic realm="IP Camera(12345)"';

function digest(params: Record<string, string>): AuthChallenge {
  return { scheme: 'digest', params: { realm: 'r', nonce: 'n', ...params } };
}

describe('parseAuthenticateHeaders', () => {
  it('reads a current NVR challenge with a hex realm, domain="::" and an empty opaque', () => {
    assert.deepEqual(parseAuthenticateHeaders([NVR_DIGEST]), [
      {
        scheme: 'digest',
        params: {
          realm: 'a1b2c3d4e5f6a7b8c9d0e1f2',
          domain: '::',
          qop: 'auth',
          nonce: '0f1e2d3c4b5a69788796a5b4c3d2e1f0:1700000000123',
          opaque: '',
          algorithm: 'MD5',
          stale: 'FALSE',
        },
      },
    ]);
  });

  it('reads one challenge per header line when Digest and Basic come as two headers', () => {
    const challenges = parseAuthenticateHeaders([LOCKED_DIGEST, LOCKED_BASIC]);
    assert.deepEqual(
      challenges.map((c) => c.scheme),
      ['digest', 'basic'],
    );
    assert.deepEqual(challenges[1]?.params, { realm: '0a1b2c3d4e5f0a1b2c3d4e5f' });
  });

  it('splits Digest and Basic sharing one header, keeping spaces and brackets inside the realm', () => {
    const challenges = parseAuthenticateHeaders([OLD_IPC_ONE_HEADER]);
    assert.deepEqual(challenges, [
      {
        scheme: 'digest',
        params: {
          qop: 'auth',
          realm: 'IP Camera(12345)',
          nonce: '4d7a41304e6a4d784d6a4e6d4e7a593d',
          stale: 'FALSE',
        },
      },
      { scheme: 'basic', params: { realm: 'IP Camera(12345)' } },
    ]);
  });

  it('keeps commas, "=" and escaped quotes inside quoted strings (RFC 7235 example)', () => {
    const challenges = parseAuthenticateHeaders([
      'Newauth realm="apps", type=1, title="Login to \\"apps\\", a=b", Basic realm="simple"',
    ]);
    assert.deepEqual(challenges, [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps", a=b' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('lowercases scheme and parameter names but leaves values alone', () => {
    assert.deepEqual(parseAuthenticateHeaders(['DIGEST Realm="R", NONCE=AbC, Algorithm=SHA-256']), [
      { scheme: 'digest', params: { realm: 'R', nonce: 'AbC', algorithm: 'SHA-256' } },
    ]);
  });

  it('accepts unquoted values that are not strict tokens, such as a base64 nonce', () => {
    assert.deepEqual(parseAuthenticateHeaders(['Digest realm=r, nonce=ab/c+d==, qop=auth']), [
      { scheme: 'digest', params: { realm: 'r', nonce: 'ab/c+d==', qop: 'auth' } },
    ]);
  });

  it('allows whitespace around "=" and empty list elements', () => {
    assert.deepEqual(parseAuthenticateHeaders([' , Digest realm = "r" ,, nonce= "n" ,']), [
      { scheme: 'digest', params: { realm: 'r', nonce: 'n' } },
    ]);
  });

  it('keeps the first value of a repeated parameter', () => {
    assert.deepEqual(parseAuthenticateHeaders(['Digest realm="first", realm="second"'])[0]?.params, {
      realm: 'first',
    });
  });

  it('reads a token68 credential challenge without mistaking it for a scheme', () => {
    assert.deepEqual(parseAuthenticateHeaders(['Negotiate abc+/de==, Basic realm="x"', 'Bearer YWJj=']), [
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: {} },
    ]);
  });

  it('keeps a parameter named __proto__ as data, not as a prototype', () => {
    const [challenge] = parseAuthenticateHeaders(['Digest __proto__="x", realm="r"']);
    assert.equal(Object.getPrototypeOf(challenge?.params), Object.prototype);
    assert.equal(challenge?.params.realm, 'r');
  });

  it('skips garbage without throwing and keeps what can be read', () => {
    const garbage = [
      '',
      '   ',
      ',,,',
      '=',
      '"unterminated',
      'realm="no scheme"',
      'Digest realm="unterminated',
      'Digest realm="trailing backslash\\',
      '\u0000\u00ff\ud800',
      'Digest @@@, realm="r", ===, nonce="n"',
    ];
    const challenges = parseAuthenticateHeaders(garbage);
    assert.deepEqual(challenges.at(-1), { scheme: 'digest', params: { realm: 'r', nonce: 'n' } });
    for (const value of garbage) assert.doesNotThrow(() => parseAuthenticateHeaders([value]));
  });

  it('returns nothing for no headers', () => {
    assert.deepEqual(parseAuthenticateHeaders([]), []);
  });
});

describe('toDigestChallenge', () => {
  it('turns a Hikvision challenge into typed fields, echoing the empty opaque', () => {
    const [challenge] = parseAuthenticateHeaders([NVR_DIGEST]);
    assert.deepEqual(toDigestChallenge(challenge!), {
      realm: 'a1b2c3d4e5f6a7b8c9d0e1f2',
      nonce: '0f1e2d3c4b5a69788796a5b4c3d2e1f0:1700000000123',
      opaque: '',
      algorithm: 'MD5',
      qop: 'auth',
      stale: false,
      userhash: false,
    });
  });

  it('defaults to MD5, no opaque and RFC 2069 (qop null) when those parameters are absent', () => {
    assert.deepEqual(toDigestChallenge(digest({})), {
      realm: 'r',
      nonce: 'n',
      opaque: null,
      algorithm: 'MD5',
      qop: null,
      stale: false,
      userhash: false,
    });
  });

  it('reads algorithm names case-insensitively', () => {
    assert.equal(toDigestChallenge(digest({ algorithm: 'sha-256', qop: 'auth' }))?.algorithm, 'SHA-256');
    assert.equal(toDigestChallenge(digest({ algorithm: 'md5-SESS', qop: 'auth' }))?.algorithm, 'MD5-sess');
    assert.equal(
      toDigestChallenge(digest({ algorithm: 'SHA-256-SESS', qop: 'auth' }))?.algorithm,
      'SHA-256-sess',
    );
  });

  it('reports stale=TRUE and stale=true as stale', () => {
    assert.equal(toDigestChallenge(digest({ stale: 'TRUE' }))?.stale, true);
    assert.equal(toDigestChallenge(digest({ stale: 'true' }))?.stale, true);
    assert.equal(toDigestChallenge(digest({ stale: 'FALSE' }))?.stale, false);
  });

  it('reports userhash only when the device asks for it', () => {
    assert.equal(toDigestChallenge(digest({ userhash: 'true' }))?.userhash, true);
    assert.equal(toDigestChallenge(digest({ userhash: 'false' }))?.userhash, false);
  });

  it('picks auth out of a qop list', () => {
    assert.equal(toDigestChallenge(digest({ qop: 'auth-int, auth' }))?.qop, 'auth');
  });

  it('refuses a challenge it cannot answer', () => {
    assert.equal(toDigestChallenge({ scheme: 'basic', params: { realm: 'r', nonce: 'n' } }), null);
    assert.equal(toDigestChallenge({ scheme: 'digest', params: { nonce: 'n' } }), null, 'no realm');
    assert.equal(toDigestChallenge({ scheme: 'digest', params: { realm: 'r' } }), null, 'no nonce');
    assert.equal(toDigestChallenge(digest({ nonce: '' })), null, 'empty nonce');
    assert.equal(toDigestChallenge(digest({ algorithm: 'SHA-512-256' })), null, 'unsupported algorithm');
    assert.equal(toDigestChallenge(digest({ qop: 'auth-int' })), null, 'only auth-int');
    assert.equal(toDigestChallenge(digest({ algorithm: 'MD5-sess' })), null, '-sess needs qop');
  });
});

describe('chooseAuth', () => {
  it('chooses Digest over Basic offered in the same header', () => {
    const chosen = chooseAuth(parseAuthenticateHeaders([OLD_IPC_ONE_HEADER]));
    assert.ok(chosen?.kind === 'digest');
    assert.equal(chosen.challenge.realm, 'IP Camera(12345)');
  });

  it('chooses Digest over Basic offered in a separate header, in either order', () => {
    assert.equal(chooseAuth(parseAuthenticateHeaders([LOCKED_DIGEST, LOCKED_BASIC]))?.kind, 'digest');
    assert.equal(chooseAuth(parseAuthenticateHeaders([LOCKED_BASIC, LOCKED_DIGEST]))?.kind, 'digest');
  });

  it('prefers SHA-256 over MD5 whatever the order (RFC 7616 §3.9.1 challenges)', () => {
    const common =
      'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const chosen = chooseAuth(
      parseAuthenticateHeaders([`Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`]),
    );
    assert.ok(chosen?.kind === 'digest');
    assert.equal(chosen.challenge.algorithm, 'SHA-256');
  });

  it('falls back to another Digest challenge when the first uses an unsupported algorithm', () => {
    const chosen = chooseAuth(
      parseAuthenticateHeaders([
        'Digest realm="r", nonce="a", qop="auth", algorithm=SHA-512-256',
        'Digest realm="r", nonce="b", qop="auth", algorithm=MD5',
        'Basic realm="r"',
      ]),
    );
    assert.ok(chosen?.kind === 'digest');
    assert.equal(chosen.challenge.nonce, 'b');
  });

  it('uses Basic when the device offers only Basic', () => {
    assert.deepEqual(chooseAuth(parseAuthenticateHeaders(['Basic realm="IP Camera(C3331)"'])), {
      kind: 'basic',
      realm: 'IP Camera(C3331)',
    });
    assert.deepEqual(chooseAuth(parseAuthenticateHeaders(['Basic'])), { kind: 'basic', realm: null });
  });

  it('uses Basic when every Digest challenge is unusable', () => {
    const chosen = chooseAuth(
      parseAuthenticateHeaders(['Digest realm="r", nonce="n", qop="auth-int"', 'Basic realm="r"']),
    );
    assert.deepEqual(chosen, { kind: 'basic', realm: 'r' });
  });

  it('returns null when nothing offered is supported', () => {
    assert.equal(chooseAuth([]), null);
    assert.equal(
      chooseAuth(parseAuthenticateHeaders(['Bearer realm="x"', 'Digest realm="r", algorithm=SHA-512'])),
      null,
    );
  });
});
