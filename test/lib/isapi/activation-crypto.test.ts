import assert from 'node:assert/strict';
import {
  constants,
  createPrivateKey,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { InvalidArgumentError, ProtocolError } from '../../../lib/errors';
import {
  decryptActivationChallenge,
  encryptActivationPassword,
  generateActivationKeyPair,
} from '../../../lib/isapi/activation-crypto';
import {
  CHALLENGE_KEY_BASE64,
  CHALLENGE_RANDOM_KEY,
  ENCRYPTED_PASSWORD_BASE64,
  PASSWORD,
  PASSWORD_RANDOM_KEY,
  TEST_PRIVATE_KEY_PEM,
} from '../../fixtures/activation-vectors';

/** The device's encoding of a ciphertext: base64 of lowercase hex. */
function toWire(bytes: Buffer): string {
  return Buffer.from(bytes.toString('hex'), 'ascii').toString('base64');
}

/** What the device does with our public key: the modulus from the wire, e = 65537. */
function devicePublicKey(publicKeyBase64: string): KeyObject {
  const modulusHex = Buffer.from(publicKeyBase64, 'base64').toString('ascii');
  const n = Buffer.from(modulusHex, 'hex').toString('base64url');
  return createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });
}

/** Encrypts a hand-made 128-byte block without padding, to test our padding checks. */
function rawBlockToWire(publicKey: KeyObject, block: Buffer): string {
  return toWire(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, block));
}

function paddedBlock(padding: Buffer, message: Buffer, header = [0x00, 0x02]): Buffer {
  const block = Buffer.concat([Buffer.from(header), padding, Buffer.from([0x00]), message]);
  assert.equal(block.length, 128, 'test block must fill the 1024-bit modulus');
  return block;
}

function nonZeroBytes(length: number): Buffer {
  return Buffer.alloc(length, 0x5a);
}

describe('activation crypto', () => {
  const pair = generateActivationKeyPair();
  const publicKey = devicePublicKey(pair.publicKeyBase64);
  const R = 'c8059b41126bd480f684b6a46d48804c';

  describe('generateActivationKeyPair', () => {
    it('publishes the 1024-bit modulus as base64 of 256 lowercase hex digits without a leading 00', () => {
      const hex = Buffer.from(pair.publicKeyBase64, 'base64').toString('ascii');
      assert.match(hex, /^[0-9a-f]{256}$/);
      assert.notEqual(hex.slice(0, 2), '00');
      const jwk = pair.privateKey.export({ format: 'jwk' });
      assert.equal(hex, Buffer.from(jwk.n ?? '', 'base64url').toString('hex'));
      assert.equal(jwk.e, 'AQAB');
      assert.equal(pair.privateKey.asymmetricKeyDetails?.modulusLength, 1024);
    });
  });

  describe('decryptActivationChallenge', () => {
    it('recovers the random key of the published hikvision-configure vector', () => {
      const key = createPrivateKey(TEST_PRIVATE_KEY_PEM);
      assert.equal(decryptActivationChallenge(CHALLENGE_KEY_BASE64, key), CHALLENGE_RANDOM_KEY);
    });

    it('recovers what a device encrypted with PKCS#1 v1.5 to a generated key', () => {
      const random = randomBytes(16).toString('hex');
      const wire = toWire(
        publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(random)),
      );
      assert.equal(decryptActivationChallenge(wire, pair.privateKey), random);
    });

    it('accepts the minimum of 8 padding bytes', () => {
      const block = paddedBlock(nonZeroBytes(128 - 3 - 32), Buffer.from(R));
      assert.equal(decryptActivationChallenge(rawBlockToWire(publicKey, block), pair.privateKey), R);
    });

    it('rejects a block that does not start with 00 02', () => {
      const block = paddedBlock(nonZeroBytes(128 - 3 - 32), Buffer.from(R), [0x00, 0x01]);
      assert.throws(
        () => decryptActivationChallenge(rawBlockToWire(publicKey, block), pair.privateKey),
        ProtocolError,
      );
    });

    it('rejects fewer than 8 non-zero padding bytes before the separator', () => {
      const block = Buffer.concat([
        Buffer.from([0x00, 0x02]),
        nonZeroBytes(7),
        Buffer.from([0x00]),
        Buffer.alloc(128 - 10 - 32, 0x00),
        Buffer.from(R),
      ]);
      assert.throws(
        () => decryptActivationChallenge(rawBlockToWire(publicKey, block), pair.privateKey),
        ProtocolError,
      );
    });

    it('rejects a block without a 00 separator', () => {
      const block = Buffer.concat([Buffer.from([0x00, 0x02]), nonZeroBytes(126)]);
      assert.throws(
        () => decryptActivationChallenge(rawBlockToWire(publicKey, block), pair.privateKey),
        ProtocolError,
      );
    });

    it('rejects a message that is not 32 hex digits', () => {
      const short = toWire(
        publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(R.slice(0, 16))),
      );
      assert.throws(() => decryptActivationChallenge(short, pair.privateKey), ProtocolError);
      const notHex = 'z'.repeat(32);
      const block = paddedBlock(nonZeroBytes(128 - 3 - 32), Buffer.from(notHex));
      assert.throws(
        () => decryptActivationChallenge(rawBlockToWire(publicKey, block), pair.privateKey),
        ProtocolError,
      );
    });

    it('rejects a ciphertext whose length does not match the key', () => {
      assert.throws(
        () => decryptActivationChallenge(toWire(randomBytes(64)), pair.privateKey),
        ProtocolError,
      );
      assert.throws(
        () => decryptActivationChallenge(toWire(randomBytes(129)), pair.privateKey),
        ProtocolError,
      );
    });

    it('wraps a crypto failure in ProtocolError with the cause kept', () => {
      // Larger than any 1024-bit modulus, so raw RSA itself refuses it.
      assert.throws(
        () => decryptActivationChallenge(toWire(Buffer.alloc(128, 0xff)), pair.privateKey),
        (e: unknown) => e instanceof ProtocolError && e.cause instanceof Error,
      );
    });

    it('rejects input that is not base64 of hex', () => {
      assert.throws(() => decryptActivationChallenge('', pair.privateKey), ProtocolError);
      assert.throws(() => decryptActivationChallenge('not base64!', pair.privateKey), ProtocolError);
      const notHex = Buffer.from('g'.repeat(256), 'ascii').toString('base64');
      assert.throws(() => decryptActivationChallenge(notHex, pair.privateKey), ProtocolError);
      const oddHex = Buffer.from('a'.repeat(255), 'ascii').toString('base64');
      assert.throws(() => decryptActivationChallenge(oddHex, pair.privateKey), ProtocolError);
    });

    it('refuses a key that is not an RSA private key', () => {
      assert.throws(() => decryptActivationChallenge(CHALLENGE_KEY_BASE64, publicKey), InvalidArgumentError);
    });
  });

  describe('encryptActivationPassword', () => {
    it('matches the published hikvision-configure vector', () => {
      assert.equal(encryptActivationPassword(PASSWORD, PASSWORD_RANDOM_KEY), ENCRYPTED_PASSWORD_BASE64);
    });

    it('zero-pads the password to whole 16-byte blocks after the 16-byte key-check block', () => {
      const hexLength = (password: string): number =>
        Buffer.from(encryptActivationPassword(password, R), 'base64').toString('ascii').length;
      assert.equal(hexLength('a'.repeat(16)), 64);
      assert.equal(hexLength('a'.repeat(17)), 96);
    });

    it('refuses a random key that is not 32 hex digits, and an empty password', () => {
      assert.throws(() => encryptActivationPassword(PASSWORD, R.slice(1)), InvalidArgumentError);
      assert.throws(() => encryptActivationPassword('', R), InvalidArgumentError);
    });
  });
});
