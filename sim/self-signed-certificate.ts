/**
 * A self-signed X.509 certificate made with nothing but `node:crypto`: Node generates and signs
 * with keys but has no API to issue a certificate, so the few DER structures of RFC 5280 a
 * self-signed certificate needs are written out here. The simulator makes its test certificates
 * with it at start, so the package ships no private key.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export type SelfSignedKeyType = 'rsa' | 'ec';

export interface SelfSignedOptions {
  /** RSA 2048 (what most Hikvision firmware serves) or EC P-256. */
  keyType: SelfSignedKeyType;
  /** Subject and issuer common name. */
  commonName: string;
  /** Subject and issuer organisation. */
  organization: string;
  /** The serial's 8 bytes (default: random; the high bit is cleared either way). */
  serial?: Buffer | undefined;
  /** Default 10 years from a day ago. */
  validDays?: number;
}

export interface SelfSignedCertificate {
  /** PKCS#8 PEM. */
  key: string;
  /** PEM. */
  cert: string;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export function createSelfSignedCertificate(options: SelfSignedOptions): SelfSignedCertificate {
  const { privateKey, publicKey } =
    options.keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const algorithm =
    options.keyType === 'rsa'
      ? sequence(objectId(OID.sha256WithRsa), NULL)
      : sequence(objectId(OID.ecdsaWithSha256));
  const name = sequence(
    set(sequence(objectId(OID.organization), utf8String(options.organization))),
    set(sequence(objectId(OID.commonName), utf8String(options.commonName))),
  );
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(notBefore.getTime() + (options.validDays ?? 3650) * DAY_MS);
  // A positive serial of 64 random bits (the high bit cleared so it needs no sign byte).
  const serial = Buffer.from(options.serial ?? randomBytes(8));
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    // Self-signed device certificates carry CA:TRUE (critical), as the ones openssl makes.
    explicit(
      3,
      sequence(sequence(objectId(OID.basicConstraints), BOOLEAN_TRUE, octetString(sequence(BOOLEAN_TRUE)))),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: pem('CERTIFICATE', der),
  };
}

// ---- DER (X.690), only what a certificate needs ---------------------------------------------------

const NULL = Buffer.from([0x05, 0x00]);
const BOOLEAN_TRUE = Buffer.from([0x01, 0x01, 0xff]);

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function explicit(tagNumber: number, content: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, content);
}

/** A non-negative INTEGER from big-endian bytes (a zero byte added when the top bit is set). */
function integer(bytes: Buffer): Buffer {
  // DER wants the shortest form: no leading zero byte unless the next one has its high bit set
  // (a random serial starting 0x00 0x1f… made OpenSSL refuse the certificate: "illegal padding").
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] ?? 0) & 0x80) === 0) start++;
  const minimal = bytes.subarray(start);
  const body = (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
  return tlv(0x02, body);
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

function octetString(bytes: Buffer): Buffer {
  return tlv(0x04, bytes);
}

function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function objectId(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
