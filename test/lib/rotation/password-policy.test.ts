import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PasswordPolicyError } from '../../../lib/errors';
import {
  DEFAULT_SPECIALS,
  generatePassword,
  passwordLength,
  passwordProblem,
  UNSAFE_CHARACTERS,
} from '../../../lib/rotation/password-policy';
import { passwordLevel, passwordRejection } from '../../../sim';

const userNames = fc.oneof(
  fc.constantFrom('admin', 'operator', 'viewer', 'Nimda', 'a1', 'cam'),
  fc.string({
    unit: fc.constantFrom(...Array.from('abcdefghijklmnopqrstuvwxyzABC0123')),
    minLength: 1,
    maxLength: 8,
  }),
);

describe('password policy', () => {
  it('draws 16 characters by default, of at least three kinds, strong by the device rules', () => {
    fc.assert(
      fc.property(userNames, (username) => {
        const password = generatePassword({ username });
        assert.equal(password.length, 16);
        assert.equal(passwordProblem(username, password), null);
        assert.equal(passwordRejection(username, password), null, 'the simulated firmware accepts it');
        assert.equal(passwordLevel(username, password), 3, 'the device rates it strong');
      }),
      { numRuns: 300 },
    );
  });

  it('never contains the user name or its mirror, in any case', () => {
    fc.assert(
      fc.property(userNames, (username) => {
        const lower = generatePassword({ username }).toLowerCase();
        const name = username.toLowerCase();
        assert.ok(!lower.includes(name) && !lower.includes(Array.from(name).reverse().join('')));
      }),
      { numRuns: 300 },
    );
  });

  it('never contains characters that break RTSP URLs, XML or shells, nor whitespace', () => {
    for (let i = 0; i < 500; i++) {
      const password = generatePassword({ username: 'admin' });
      for (const c of Array.from(password)) {
        assert.ok(!UNSAFE_CHARACTERS.includes(c) && !/\s/.test(c), `unsafe character ${c}`);
      }
    }
    assert.ok(!Array.from(DEFAULT_SPECIALS).some((c) => UNSAFE_CHARACTERS.includes(c)));
  });

  it('uses only the specials it is given, and drops unsafe ones from them', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ username: 'admin', specials: '!@' });
      assert.ok(!password.includes('@'));
      assert.match(password, /^[A-Za-z0-9!]+$/);
    }
  });

  it('clamps the length to the device limit and to the 8..16 a strong password needs', () => {
    assert.equal(passwordLength({}), 16);
    assert.equal(passwordLength({ deviceLimit: { min: 1, max: 12 } }), 12);
    assert.equal(passwordLength({ length: 4, deviceLimit: { min: 1, max: 16 } }), 8);
    assert.equal(passwordLength({ length: 32, deviceLimit: { min: 8, max: 64 } }), 16);
    assert.equal(passwordLength({ length: 10, deviceLimit: { min: null, max: null } }), 10);
    assert.equal(generatePassword({ username: 'admin', deviceLimit: { min: 8, max: 12 } }).length, 12);
  });

  it('refuses a device whose limits leave no room for a strong password', () => {
    assert.throws(
      () => generatePassword({ username: 'admin', deviceLimit: { min: 1, max: 6 } }),
      PasswordPolicyError,
    );
  });

  it('rejects runs, repeats and common words, redrawing until a password passes', () => {
    assert.equal(passwordProblem('user', 'Abcd-9Qw!zzPq2'), 'sequence');
    assert.equal(passwordProblem('user', 'Qw-9zzzzPq2!'), 'repetition');
    assert.equal(passwordProblem('user', 'Qw-9Admin!Pq2'), 'common-word');
    assert.equal(passwordProblem('user', 'Qw-9x123!Pq'), 'common-word');
    assert.equal(passwordProblem('user', 'qwertyuiop'), 'kinds');
    assert.equal(passwordProblem('user', 'Qw 9zPq2!abc'), 'character');
    // A random source that first offers "aaaaaaaa…" must not leak it: the generator draws again.
    let call = 0;
    const scripted = (max: number) => (call++ < 16 ? 0 : Math.floor(Math.random() * max));
    const password = generatePassword({ username: 'admin', randomInt: scripted });
    assert.notEqual(password, 'a'.repeat(16));
    assert.equal(passwordProblem('admin', password), null);
  });

  it('gives up with a typed error when the random source is broken', () => {
    assert.throws(() => generatePassword({ username: 'admin', randomInt: () => 0 }), PasswordPolicyError);
  });
});
