/**
 * The device side of Hikvision activation (docs/protocol/isapi.md §3.2): the client sends its RSA public modulus
 * as base64(lowercase hex); the device answers base64(hex(RSA-PKCS#1-v1.5(R))) for a random
 * 32-hex-char text R; the client then sends base64(hex(AES-128-ECB(key = hex-decode(R),
 * R[0:16] ‖ password zero-padded))). Malformed input gives null, never an exception.
 */
import { constants, createDecipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';

export interface ActivationChallenge {
  /** R: 32 lowercase hex characters, kept by the device until activation. */
  randomKey: string;
  /** The `<Challenge><key>` value. */
  encryptedKeyBase64: string;
}

const MIN_MODULUS_BITS = 512;
const MAX_MODULUS_BITS = 4096;

export function createActivationChallenge(publicKeyBase64: string): ActivationChallenge | null {
  const hex = Buffer.from(publicKeyBase64, 'base64').toString('latin1').trim();
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return null;
  let modulus = Buffer.from(hex, 'hex');
  while (modulus.length > 0 && modulus[0] === 0) modulus = modulus.subarray(1);
  const bits = modulus.length * 8;
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) return null;
  const randomKey = randomBytes(16).toString('hex');
  try {
    // "设备用模数 + 指数 010001 构造公钥": the exponent is always 65537.
    const key = createPublicKey({
      key: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' },
      format: 'jwk',
    });
    const encrypted = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(randomKey, 'latin1'),
    );
    return {
      randomKey,
      encryptedKeyBase64: Buffer.from(encrypted.toString('hex'), 'latin1').toString('base64'),
    };
  } catch {
    return null;
  }
}

/** The activation password, or null when the blob is malformed or was not made with this R. */
export function decryptActivationPassword(randomKey: string, passwordBase64: string): string | null {
  const hex = Buffer.from(passwordBase64, 'base64').toString('latin1').trim();
  if (!/^(?:[0-9a-fA-F]{32})+$/.test(hex) || hex.length < 64) return null;
  const decipher = createDecipheriv('aes-128-ecb', Buffer.from(randomKey, 'hex'), null);
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]);
  if (plain.subarray(0, 16).toString('latin1') !== randomKey.slice(0, 16)) return null;
  let end = plain.length;
  while (end > 16 && plain[end - 1] === 0) end -= 1;
  return plain.subarray(16, end).toString('latin1');
}
