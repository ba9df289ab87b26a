import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseAuth, parseAuthenticateHeaders, toDigestChallenge } from '../../lib/isapi/digest-challenge';

const TCHAR_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const ALGORITHMS = new Set(['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess']);

/** Text made mostly of the characters that matter to the grammar, so the fuzzer reaches deep paths. */
const headerText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'Digest',
        'Basic',
        'realm',
        'nonce',
        'qop',
        'algorithm',
        'auth',
        '=',
        ',',
        '"',
        '\\',
        ' ',
        '\t',
        '==',
      ),
      fc.string({ maxLength: 6, unit: 'binary' }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

describe('WWW-Authenticate parser under hostile input (property tests)', function () {
  this.timeout(20_000);

  it('never throws, and returns only lowercased token schemes with own string params', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(headerText, fc.string({ maxLength: 200, unit: 'binary' })), { maxLength: 3 }),
        (values) => {
          const challenges = parseAuthenticateHeaders(values);
          for (const c of challenges) {
            assert.match(c.scheme, TCHAR_TOKEN);
            for (const [name, value] of Object.entries(c.params)) {
              assert.equal(typeof value, 'string', name);
              assert.equal(name, name.toLowerCase());
            }
          }
          const chosen = chooseAuth(challenges);
          if (chosen?.kind === 'digest') {
            assert.ok(chosen.challenge.nonce.length > 0);
            assert.ok(ALGORITHMS.has(chosen.challenge.algorithm));
            assert.ok(chosen.challenge.qop !== null || !chosen.challenge.algorithm.endsWith('-sess'));
          }
        },
      ),
      { seed: 8201, numRuns: 3000 },
    );
  });

  it('never lets a parameter named __proto__ or constructor reach the prototype', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        fc.string({ maxLength: 10 }),
        (name, value) => {
          const [c] = parseAuthenticateHeaders([`Digest ${name}=${quote(value)}, realm="r", nonce="n"`]);
          assert.ok(c);
          assert.equal(Object.getPrototypeOf(c.params), Object.prototype);
          assert.equal(Object.prototype.hasOwnProperty.call(c.params, name), true);
          assert.equal(toDigestChallenge(c)?.nonce, 'n');
        },
      ),
      { seed: 8202, numRuns: 60 },
    );
  });

  it('reads back any realm, nonce and opaque it is given, whatever they contain, in any order', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
        fc.string({ maxLength: 20, unit: 'binary' }),
        fc.constantFrom('MD5', 'SHA-256', 'md5-sess', 'SHA-256-SESS'),
        fc.boolean(),
        (realm, nonce, opaque, algorithm, reversed) => {
          const params = [
            `realm=${quote(realm)}`,
            `nonce=${quote(nonce)}`,
            `opaque=${quote(opaque)}`,
            `algorithm=${algorithm}`,
            'qop="auth,auth-int"',
          ];
          if (reversed) params.reverse();
          const header = `Basic realm="x", Digest ${params.join(', ')}`;
          const chosen = chooseAuth(parseAuthenticateHeaders([header]));
          assert.equal(chosen?.kind, 'digest', header);
          assert.equal(chosen.challenge.realm, realm);
          assert.equal(chosen.challenge.nonce, nonce);
          assert.equal(chosen.challenge.opaque, opaque);
          assert.equal(chosen.challenge.qop, 'auth');
          assert.equal(chosen.challenge.algorithm.toLowerCase(), algorithm.toLowerCase());
        },
      ),
      { seed: 8203, numRuns: 1500 },
    );
  });

  it('never picks Basic while a usable Digest is offered, whatever garbage surrounds them', () => {
    fc.assert(
      fc.property(headerText, headerText, (before, after) => {
        const values = [before, 'Basic realm="cam"', 'Digest realm="cam", nonce="abc", qop="auth"', after];
        assert.equal(chooseAuth(parseAuthenticateHeaders(values))?.kind, 'digest');
      }),
      { seed: 8204, numRuns: 1000 },
    );
  });
});
