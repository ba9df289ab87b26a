/**
 * Builds `Authorization` values: RFC 7616 Digest (MD5, SHA-256 and their -sess forms, qop=auth,
 * or the RFC 2069 form when the device offers no qop) and RFC 7617 Basic. Parameters are written
 * in the order and quoting of the RFC 7616 examples; device values are re-quoted, never trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import type { DigestAlgorithm, DigestChallenge } from './digest-challenge';

export interface DigestAuthorizationInput {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  /** Request-target exactly as sent on the request line. */
  uri: string;
  /** Default: 16 random bytes, hex. */
  cnonce?: string;
  /** Nonce count. Default 1. */
  nc?: number;
}

const HASH_OF: Record<DigestAlgorithm, 'md5' | 'sha256'> = {
  MD5: 'md5',
  'MD5-sess': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-sess': 'sha256',
};

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A request-target has no spaces or controls; refusing them also keeps the header single-line.
const REQUEST_TARGET = /^[\x21-\x7e]+$/;

export function buildDigestAuthorization(input: DigestAuthorizationInput): string {
  const { challenge, username, password, method, uri } = input;
  if (!METHOD.test(method)) throw new InvalidArgumentError('method must be an HTTP token');
  if (!REQUEST_TARGET.test(uri))
    throw new InvalidArgumentError('uri must be a request-target without spaces');
  const sess = challenge.algorithm.endsWith('-sess');
  if (sess && challenge.qop === null) {
    throw new InvalidArgumentError(`algorithm ${challenge.algorithm} needs qop=auth`);
  }
  const hashName = HASH_OF[challenge.algorithm];
  const h = (text: string): string => createHash(hashName).update(text, 'utf8').digest('hex');

  const fields = [
    challenge.userhash ? `username=${quote(h(`${username}:${challenge.realm}`))}` : usernameField(username),
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
  ];
  let ha1 = h(`${username}:${challenge.realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  let response: string;
  if (challenge.qop === 'auth') {
    const cnonce = input.cnonce ?? randomBytes(16).toString('hex');
    const nc = formatNonceCount(input.nc ?? 1);
    if (sess) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
    response = h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    fields.push(`nc=${nc}`, `cnonce=${quote(cnonce)}`, 'qop=auth');
  } else {
    response = h(`${ha1}:${challenge.nonce}:${ha2}`);
  }
  fields.push(`response=${quote(response)}`);
  // Hikvision sends opaque="" and expects it back as sent.
  if (challenge.opaque !== null) fields.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) fields.push('userhash=true');
  return `Digest ${fields.join(', ')}`;
}

/** RFC 7617: base64 of `user:password` in UTF-8. A colon in the user name would be ambiguous. */
export function buildBasicAuthorization(username: string, password: string): string {
  if (username.includes(':')) throw new InvalidArgumentError('a Basic user name cannot contain ":"');
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function formatNonceCount(nc: number): string {
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) {
    throw new InvalidArgumentError('nc must be an integer from 1 to 4294967295');
  }
  return nc.toString(16).padStart(8, '0');
}

/** RFC 7616 §3.4.4: a name that is not printable ASCII goes in `username*` (RFC 5987). */
function usernameField(username: string): string {
  if (/^[\x20-\x7e]*$/.test(username)) return `username=${quote(username)}`;
  const encoded = encodeURIComponent(username).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `username*=UTF-8''${encoded}`;
}
