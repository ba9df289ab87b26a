/**
 * The vault's cryptography: a key derived by scrypt from the user's secret and a per-file salt,
 * and AES-256-GCM boxes (random 96-bit IV, 128-bit tag) bound to what they belong to through
 * additional authenticated data. Nothing here touches the file system.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { InvalidArgumentError } from '../errors';

export interface KdfParams {
  name: 'scrypt';
  /** Cost; at least MIN_SCRYPT_N (2^15), a power of two. */
  N: number;
  r: number;
  p: number;
  /** base64, 16 random bytes per vault file. */
  salt: string;
}

export const MIN_SCRYPT_N = 2 ** 15;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', N: MIN_SCRYPT_N, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
}

/** True when the parameters are ones this module accepts (a weakened header is refused). */
export function isAcceptableKdf(value: unknown): value is KdfParams {
  if (typeof value !== 'object' || value === null) return false;
  const kdf = value as Record<string, unknown>;
  const { N, r, p, salt } = kdf;
  return (
    kdf.name === 'scrypt' &&
    typeof N === 'number' &&
    Number.isInteger(N) &&
    N >= MIN_SCRYPT_N &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    [r, p].every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 16) &&
    typeof salt === 'string' &&
    Buffer.from(salt, 'base64').length === 16
  );
}

/**
 * The secret a vault is opened with. Derives each file's key once (scrypt is deliberately slow)
 * and keeps it for this object's life, so one open vault, or one caller re-opening a vault
 * after a failure, pays for scrypt once. The secret itself is never exposed again.
 */
export class VaultSecret {
  readonly #secret: string;
  readonly #keys = new Map<string, Promise<Buffer>>();

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret === '') {
      throw new InvalidArgumentError('the vault secret must be a non-empty string');
    }
    this.#secret = secret;
  }

  static from(secret: string | VaultSecret): VaultSecret {
    return secret instanceof VaultSecret ? secret : new VaultSecret(secret);
  }

  keyFor(kdf: KdfParams): Promise<Buffer> {
    const id = `${kdf.N}:${kdf.r}:${kdf.p}:${kdf.salt}`;
    let key = this.#keys.get(id);
    if (!key) {
      key = deriveKey(this.#secret, kdf);
      this.#keys.set(id, key);
      // A failed derivation (e.g. out of memory) must not be remembered.
      key.catch(() => this.#keys.delete(id));
    }
    return key;
  }
}

function deriveKey(secret: string, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const salt = Buffer.from(kdf.salt, 'base64');
    // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is just too small for N = 2^15.
    const maxmem = 256 * kdf.N * kdf.r;
    scrypt(secret, salt, KEY_BYTES, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Encrypts `plaintext` bound to `aad`; returns base64 of iv | tag | ciphertext. */
export function sealBox(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Decrypts a box from sealBox; null when it was not sealed with this key and aad, or is damaged. */
export function openBox(key: Buffer, box: string, aad: string): Buffer | null {
  const raw = Buffer.from(box, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES || raw.toString('base64') !== box) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // final() throws exactly when authentication fails: wrong key, other aad, or altered bytes.
    return null;
  }
}
