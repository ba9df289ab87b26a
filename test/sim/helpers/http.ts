/**
 * Test-side HTTP for the simulator: one request per connection (agent: false), so no socket
 * outlives a test, and every response header line kept (WWW-Authenticate may repeat).
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';

export interface Target {
  host: string | null;
  port: number | null;
  https: boolean;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  localAddress?: string;
  timeoutMs?: number;
  onData?: (chunk: Buffer) => void;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  challenges: string[];
  body: string;
  /** SHA-256 fingerprint of the server certificate (HTTPS only). */
  fingerprint: string | null;
}

export function send(target: Target, path: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = (target.https ? https : http).request(
      {
        host: target.host!,
        port: target.port!,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
        timeout: options.timeoutMs ?? 5000,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        // Test certificates are self-signed; the tests check fingerprints instead.
        ...(target.https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const peer = res.socket instanceof TLSSocket ? res.socket.getPeerX509Certificate() : undefined;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          options.onData?.(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const challenges: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i]!.toLowerCase() === 'www-authenticate')
              challenges.push(res.rawHeaders[i + 1]!);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            challenges,
            body: Buffer.concat(chunks).toString('utf8'),
            fingerprint: peer instanceof X509Certificate ? peer.fingerprint256 : null,
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('test request timed out')));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Text of the first element with this name, namespace-free (tests read simple documents). */
export function tagText(body: string, name: string): string | null {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(body);
  return match?.[1] ?? null;
}
