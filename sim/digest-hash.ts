/**
 * The Digest `response` computation of RFC 7616 §3.4.1 (and RFC 2069 when no qop is used), for the
 * algorithms real clients may meet: MD5 (every Hikvision capture), SHA-256 (configurable on G2
 * firmware) and their -sess variants. Shared by the simulated device (verifying) and the simulated
 * NVR (logging in to its cameras); the tests check it against the RFC's own example vectors.
 */
import { createHash } from 'node:crypto';

export const DIGEST_ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export interface DigestInput {
  algorithm: DigestAlgorithm;
  userName: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** Present with qop=auth (RFC 2617/7616); absent for RFC 2069. */
  qop?: { nc: string; cnonce: string } | undefined;
}

/** Matches an `algorithm` parameter to ours, case-insensitively (absent means MD5). */
export function digestAlgorithmNamed(name: string | undefined): DigestAlgorithm | null {
  if (name === undefined) return 'MD5';
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === name.toLowerCase()) ?? null;
}

export function digestResponse(input: DigestInput): string {
  const sha = input.algorithm.startsWith('SHA-256');
  const h = (text: string): string =>
    createHash(sha ? 'sha256' : 'md5')
      .update(text, 'utf8')
      .digest('hex');
  let ha1 = h(`${input.userName}:${input.realm}:${input.password}`);
  if (input.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${input.nonce}:${input.qop?.cnonce ?? ''}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  return input.qop
    ? h(`${ha1}:${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:auth:${ha2}`)
    : h(`${ha1}:${input.nonce}:${ha2}`);
}
