/**
 * The vault file's bytes, version 1:
 *
 *   {"format":"hik-guard-vault","version":1,
 *    "kdf":{"name":"scrypt","N":32768,"r":8,"p":1,"salt":"…"},
 *    "keyCheck":"<box>",                          fixed plaintext: tells a wrong key from damage
 *    "records":[{"serial":"…","box":"<box>"}],     one AES-256-GCM box per record, aad = its serial
 *    "seal":"<box>"}                               empty plaintext, aad = everything above
 *
 * A box is base64(iv | tag | ciphertext). Record boxes bind the serial, so records cannot be
 * swapped; the seal binds the list, so records cannot be dropped, duplicated or mixed in from an
 * older copy. Serials stay readable (devices broadcast them anyway); nothing else does.
 */
import { isAcceptableKdf, openBox, sealBox, type KdfParams, type VaultSecret } from './vault-crypto';
import { readRecord, type VaultRecord } from './vault-record';

export const VAULT_FORMAT = 'hik-guard-vault';
export const VAULT_VERSION = 1;

const KEY_CHECK_PLAINTEXT = 'hik-guard-vault key check';
const AAD_PREFIX = `${VAULT_FORMAT}/${VAULT_VERSION}`;

interface VaultFileJson {
  format: string;
  version: number;
  kdf: KdfParams;
  keyCheck: string;
  records: { serial: string; box: string }[];
  seal: string;
}

export type DecodeResult =
  | { ok: true; kdf: KdfParams; records: VaultRecord[] }
  | { ok: false; reason: 'wrong_key' | 'corrupt'; detail: string };

export function encodeVault(kdf: KdfParams, key: Buffer, records: readonly VaultRecord[]): Buffer {
  const body = {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    kdf,
    keyCheck: sealBox(key, Buffer.from(KEY_CHECK_PLAINTEXT), keyCheckAad(kdf)),
    records: records.map((record) => ({
      serial: record.serial,
      box: sealBox(key, Buffer.from(JSON.stringify(record), 'utf8'), recordAad(record.serial)),
    })),
  };
  const file: VaultFileJson = { ...body, seal: sealBox(key, Buffer.alloc(0), sealAad(body)) };
  return Buffer.from(`${JSON.stringify(file)}\n`, 'utf8');
}

/** Never throws for bad bytes: damage and a wrong key are results, told apart by the key check. */
export async function decodeVault(bytes: Buffer, secret: VaultSecret): Promise<DecodeResult> {
  const file = parseShape(bytes);
  if (typeof file === 'string') return { ok: false, reason: 'corrupt', detail: file };
  const key = await secret.keyFor(file.kdf);
  const check = openBox(key, file.keyCheck, keyCheckAad(file.kdf));
  if (check?.toString('utf8') !== KEY_CHECK_PLAINTEXT) {
    return { ok: false, reason: 'wrong_key', detail: 'key check failed' };
  }
  const { seal, ...body } = file;
  if (!openBox(key, seal, sealAad(body))) return corrupt('seal does not match the contents');
  const records: VaultRecord[] = [];
  const seen = new Set<string>();
  for (const { serial, box } of file.records) {
    if (seen.has(serial)) return corrupt('a serial appears twice');
    seen.add(serial);
    const plaintext = openBox(key, box, recordAad(serial));
    if (!plaintext) return corrupt('a record does not decrypt');
    try {
      records.push(readRecord(JSON.parse(plaintext.toString('utf8')), serial));
    } catch (err) {
      return corrupt(`a record is malformed: ${(err as Error).message}`);
    }
  }
  return { ok: true, kdf: file.kdf, records };
}

function corrupt(detail: string): DecodeResult {
  return { ok: false, reason: 'corrupt', detail };
}

/** The parsed file, or why it is not a version 1 vault file. */
function parseShape(bytes: Buffer): VaultFileJson | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'not complete JSON (torn or truncated)';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'not a vault file';
  const f = parsed as Record<string, unknown>;
  if (f.format !== VAULT_FORMAT) return 'not a vault file';
  if (f.version !== VAULT_VERSION) return `unsupported vault version ${String(f.version)}`;
  const kdf = f.kdf;
  if (!isAcceptableKdf(kdf)) return 'bad key derivation parameters';
  if (typeof f.keyCheck !== 'string' || typeof f.seal !== 'string' || !Array.isArray(f.records)) {
    return 'missing fields';
  }
  const records = f.records as unknown[];
  const wellFormed = records.every((r) => {
    const entry = r as Record<string, unknown> | null;
    return (
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.serial === 'string' &&
      typeof entry.box === 'string'
    );
  });
  if (!wellFormed) return 'malformed record list';
  return {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
    keyCheck: f.keyCheck,
    records: records as VaultFileJson['records'],
    seal: f.seal,
  };
}

function keyCheckAad(kdf: KdfParams): string {
  return `${AAD_PREFIX} key-check ${kdf.salt}`;
}

function recordAad(serial: string): string {
  return `${AAD_PREFIX} record ${serial}`;
}

function sealAad(body: Omit<VaultFileJson, 'seal'>): string {
  return `${AAD_PREFIX} seal ${JSON.stringify([body.kdf, body.keyCheck, body.records])}`;
}
