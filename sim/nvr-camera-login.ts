/**
 * How the simulated NVR checks a channel: it logs in to the camera like a real recorder does, with
 * a real HTTP request from the NVR's own address — an unauthenticated GET of deviceInfo for the
 * challenge, then ONE authenticated GET with the stored credential. A wrong stored password
 * therefore costs the camera a failed login from the NVR's IP, exactly as in the field.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { parseAuthSchemes, type AuthScheme } from './auth-params';
import { digestAlgorithmNamed, digestResponse } from './digest-hash';

export type CameraLoginResult = 'online' | 'auth-failed' | 'locked' | 'unreachable';

export interface CameraLoginTarget {
  host: string;
  port: number;
  https: boolean;
  userName: string;
  password: string;
  /** The NVR's own address, so the camera sees (and may lock) the NVR's IP. */
  localAddress: string;
  timeoutMs: number;
}

const PROBE_PATH = '/ISAPI/System/deviceInfo';
const MAX_BODY_BYTES = 64 * 1024;

interface Reply {
  status: number;
  challenges: string[];
  body: string;
}

export async function loginToCamera(target: CameraLoginTarget): Promise<CameraLoginResult> {
  return (await readDeviceInfo(target)).result;
}

/**
 * The same login, also giving the deviceInfo document it fetched when it succeeded (other
 * simulated clients, e.g. a Home Assistant integration, check the serial in it).
 */
export async function readDeviceInfo(
  target: CameraLoginTarget,
): Promise<{ result: CameraLoginResult; deviceInfo: string | null }> {
  const done = (result: CameraLoginResult, reply?: Reply | null) => ({
    result,
    deviceInfo: result === 'online' ? (reply?.body ?? null) : null,
  });
  const first = await get(target, undefined);
  if (!first) return done('unreachable');
  if (first.status === 200) return done('online', first);
  if (first.status !== 401) return done('unreachable');
  const schemes = first.challenges.flatMap(parseAuthSchemes);
  const authorization = authorizationFor(schemes, target);
  if (!authorization) return done('auth-failed');
  const second = await get(target, authorization);
  if (!second) return done('unreachable');
  if (second.status === 200) return done('online', second);
  return done(/<lockStatus>\s*lock\s*</.test(second.body) ? 'locked' : 'auth-failed');
}

function authorizationFor(schemes: AuthScheme[], target: CameraLoginTarget): string | null {
  const digest = schemes.find((s) => s.scheme === 'digest');
  if (digest) {
    const algorithm = digestAlgorithmNamed(digest.params.get('algorithm'));
    const realm = digest.params.get('realm');
    const nonce = digest.params.get('nonce');
    if (!algorithm || realm === undefined || nonce === undefined) return null;
    const useQop = (digest.params.get('qop') ?? '').split(',').some((q) => q.trim() === 'auth');
    const qop = useQop ? { nc: '00000001', cnonce: randomBytes(8).toString('hex') } : undefined;
    const response = digestResponse({
      algorithm,
      userName: target.userName,
      realm,
      password: target.password,
      method: 'GET',
      uri: PROBE_PATH,
      nonce,
      qop,
    });
    const parts = [
      `username="${target.userName}"`,
      `realm="${realm}"`,
      `nonce="${nonce}"`,
      `uri="${PROBE_PATH}"`,
      `algorithm=${algorithm}`,
      `response="${response}"`,
      ...(digest.params.has('opaque') ? [`opaque="${digest.params.get('opaque')}"`] : []),
      ...(qop ? [`qop=auth`, `nc=${qop.nc}`, `cnonce="${qop.cnonce}"`] : []),
    ];
    return `Digest ${parts.join(', ')}`;
  }
  if (schemes.some((s) => s.scheme === 'basic')) {
    return `Basic ${Buffer.from(`${target.userName}:${target.password}`).toString('base64')}`;
  }
  return null;
}

function get(target: CameraLoginTarget, authorization: string | undefined): Promise<Reply | null> {
  return new Promise((resolve) => {
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: 'GET',
      path: PROBE_PATH,
      localAddress: target.localAddress,
      agent: false,
      timeout: target.timeoutMs,
      headers: authorization ? { authorization } : {},
      // A recorder's channel has certificateValidationEnabled=false by default (docs/protocol/isapi.md §5.1).
      ...(target.https ? { rejectUnauthorized: false } : {}),
    };
    const request = (target.https ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      res.on('end', () => {
        const challenges: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i];
          const value = res.rawHeaders[i + 1]; // rawHeaders alternates name, value
          if (name?.toLowerCase() === 'www-authenticate' && value !== undefined) challenges.push(value);
        }
        resolve({ status: res.statusCode ?? 0, challenges, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => resolve(null));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
    request.end();
  });
}
