import assert from 'node:assert/strict';
import { passwordLevel, passwordRejection } from '../../sim/password-rules';

describe('sim password rules', () => {
  it('accepts 8 to 16 characters of at least two kinds', () => {
    assert.equal(passwordRejection('admin', 'abcd1234'), null);
    assert.equal(passwordRejection('admin', 'Abcdefgh'), null);
    assert.equal(passwordRejection('admin', 'Abcd-1234-Efgh-5'), null);
  });

  it('refuses passwords shorter than 8 or longer than 16 characters', () => {
    assert.equal(passwordRejection('admin', 'Ab1-xyz'), 'length');
    assert.equal(passwordRejection('admin', 'Abcd-1234-Efgh-56'), 'length');
  });

  it('refuses a password of only one kind of character', () => {
    assert.equal(passwordRejection('admin', 'abcdefgh'), 'one-kind');
    assert.equal(passwordRejection('admin', '12345678'), 'one-kind');
  });

  it('refuses characters outside the allowed ASCII set', () => {
    assert.equal(passwordRejection('admin', 'abcd 1234'), 'character');
    assert.equal(passwordRejection('admin', 'abcd1234é'), 'character');
    assert.equal(passwordRejection('admin', 'abcd~1234'), 'character');
  });

  it('refuses the user name and its mirror', () => {
    assert.equal(passwordRejection('operator1', 'operator1'), 'user-name');
    assert.equal(passwordRejection('operator1', '1rotarepo'), 'user-name');
  });

  it('grades strength like the web UI', () => {
    assert.equal(passwordLevel('admin', 'abcdefgh'), 0);
    assert.equal(passwordLevel('admin', 'abcd1234'), 1);
    assert.equal(passwordLevel('admin', 'abcd-efg'), 2);
    assert.equal(passwordLevel('admin', 'Abcd-1234'), 3);
  });
});
