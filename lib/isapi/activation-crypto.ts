/**
 * Crypto of the activation exchange (docs/protocol/isapi.md §3.2): we send an RSA-1024 modulus, the device
 * answers with a random key R encrypted to it, and the new password goes back AES-128-ECB
 * encrypted under R. Every value on the wire is base64 of lowercase hex.
 */
import { constants, createCipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { InvalidArgumentError, ProtocolError } from '../errors';

export interface ActivationKeyPair {
  /** base64 of the lowercase hex modulus (256 hex chars, no leading 00), as the device wants it. */
  publicKeyBase64: string;
  privateKey: KeyObject;
}

const RANDOM_KEY = /^[0-9a-fA-F]{32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX = /^[0-9a-fA-F]+$/;
/** PKCS#1 v1.5 (RFC 8017 §7.2.2): 00 02, at least 8 non-zero bytes, 00, message. */
const MIN_PADDING_BYTES = 8;

/** A fresh RSA-1024 key pair (e = 65537, which the device assumes). */
export function generateActivationKeyPair(): ActivationKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicExponent: 65537,
  });
  // JWK `n` is the minimal big-endian modulus, so it has no leading zero byte.
  const modulusHex = Buffer.from(publicKey.export({ format: 'jwk' }).n ?? '', 'base64url').toString('hex');
  return { publicKeyBase64: Buffer.from(modulusHex, 'ascii').toString('base64'), privateKey };
}

/**
 * Recovers R (32 hex chars) from the device's `<key>`. Node 20 refuses PKCS#1 v1.5 for private
 * decryption (CVE-2023-46809), so this decrypts raw and checks the padding itself. Anything
 * malformed is a ProtocolError; crypto failures are wrapped, never thrown raw.
 */
export function decryptActivationChallenge(challengeKeyBase64: string, privateKey: KeyObject): string {
  const modulusBits =
    privateKey.type === 'private' ? privateKey.asymmetricKeyDetails?.modulusLength : undefined;
  if (privateKey.asymmetricKeyType !== 'rsa' || modulusBits === undefined) {
    throw new InvalidArgumentError('privateKey must be an RSA private key');
  }
  const blockBytes = Math.ceil(modulusBits / 8);

  const base64 = challengeKeyBase64.replace(/\s+/g, '');
  if (!BASE64.test(base64)) throw new ProtocolError('activation challenge key is not base64');
  const hex = Buffer.from(base64, 'base64').toString('latin1');
  if (!HEX.test(hex) || hex.length % 2 !== 0) throw new ProtocolError('activation challenge key is not hex');
  const ciphertext = Buffer.from(hex, 'hex');
  if (ciphertext.length !== blockBytes) {
    throw new ProtocolError(
      `activation challenge is ${ciphertext.length} bytes; the key needs ${blockBytes}`,
    );
  }

  let block: Buffer;
  try {
    block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch (err) {
    throw new ProtocolError('activation challenge could not be decrypted', { cause: err });
  }
  const separator = block.indexOf(0, 2);
  if (block[0] !== 0x00 || block[1] !== 0x02 || separator < 2 + MIN_PADDING_BYTES) {
    throw new ProtocolError('activation challenge has invalid PKCS#1 v1.5 padding');
  }
  const message = block.subarray(separator + 1).toString('latin1');
  if (!RANDOM_KEY.test(message))
    throw new ProtocolError('activation challenge does not hold a 32-hex-digit key');
  return message;
}

/**
 * The `<password>` of the activate request: AES-128-ECB under hex-decode(R) of R's first 16
 * characters, then of the password zero-padded to whole blocks (as the web UI does).
 */
export function encryptActivationPassword(password: string, randomKeyHex: string): string {
  if (!RANDOM_KEY.test(randomKeyHex)) throw new InvalidArgumentError('randomKeyHex must be 32 hex digits');
  // Zero padding cannot represent an empty password or one containing NUL.
  if (password === '' || password.includes('\0')) {
    throw new InvalidArgumentError('password must be non-empty and contain no NUL character');
  }
  const key = Buffer.from(randomKeyHex, 'hex');
  const plain = Buffer.from(password, 'utf8');
  const padded = Buffer.alloc(Math.ceil(plain.length / 16) * 16);
  plain.copy(padded);
  const cipherHex = aes128Ecb(key, Buffer.from(randomKeyHex.slice(0, 16), 'ascii')) + aes128Ecb(key, padded);
  return Buffer.from(cipherHex, 'ascii').toString('base64');
}

function aes128Ecb(key: Buffer, plain: Buffer): string {
  const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('hex');
}
