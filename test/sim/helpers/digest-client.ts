/**
 * A test-side Digest client written straight from RFC 7616 with node:crypto, independent of the
 * simulator's own hashing, so the tests check the device's verification rather than mirror it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { send, type Reply, type SendOptions, type Target } from './http';

export interface DigestCredentials {
  userName: string;
  password: string;
}

export interface DigestOptions {
  /** Omit qop/nc/cnonce (RFC 2069 style). */
  noQop?: boolean;
  /** Answer with this algorithm whatever the challenge says. */
  algorithm?: string;
  /** Put this into `uri` instead of the real path. */
  uri?: string;
}

/** Reads the Digest parameters of a challenge (enough for the simulator's quoted format). */
export function digestParams(challenges: string[]): Partial<Record<string, string>> {
  const digest = challenges.map((c) => c.slice(c.indexOf('Digest'))).find((c) => c.startsWith('Digest'));
  if (!digest) throw new Error(`no Digest challenge in ${JSON.stringify(challenges)}`);
  const params: Partial<Record<string, string>> = {};
  for (const m of digest.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) params[m[1]!] = m.at(2) ?? m.at(3);
  return params;
}

export function digestAuthorization(
  challenges: string[],
  credentials: DigestCredentials,
  method: string,
  path: string,
  options: DigestOptions = {},
): string {
  const c = digestParams(challenges);
  const algorithm = options.algorithm ?? c['algorithm'] ?? 'MD5';
  const hash = (s: string): string =>
    createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(s)
      .digest('hex');
  const uri = options.uri ?? path;
  const cnonce = randomBytes(8).toString('hex');
  let ha1 = hash(`${credentials.userName}:${c['realm']}:${credentials.password}`);
  if (algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${c['nonce']}:${cnonce}`);
  const ha2 = hash(`${method}:${uri}`);
  const response = options.noQop
    ? hash(`${ha1}:${c['nonce']}:${ha2}`)
    : hash(`${ha1}:${c['nonce']}:00000001:${cnonce}:auth:${ha2}`);
  const fields = [
    `username="${credentials.userName}"`,
    `realm="${c['realm']}"`,
    `nonce="${c['nonce']}"`,
    `uri="${uri}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
    ...(options.noQop ? [] : ['qop=auth', 'nc=00000001', `cnonce="${cnonce}"`]),
  ];
  return `Digest ${fields.join(', ')}`;
}

/** The usual two round trips: unauthenticated for the challenge, then once with the digest. */
export async function digestRequest(
  target: Target,
  path: string,
  credentials: DigestCredentials,
  options: SendOptions & DigestOptions = {},
): Promise<Reply> {
  const method = options.method ?? 'GET';
  const first = await send(target, path, { ...options, method });
  if (first.status !== 401) return first;
  const authorization = digestAuthorization(first.challenges, credentials, method, path, options);
  return send(target, path, { ...options, headers: { ...options.headers, authorization } });
}

export function basicAuthorization(credentials: DigestCredentials): string {
  return `Basic ${Buffer.from(`${credentials.userName}:${credentials.password}`).toString('base64')}`;
}
