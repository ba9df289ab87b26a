/**
 * One HTTP request to a consumer's API (go2rtc, Frigate): node:http(s), one connection per
 * request, a deadline for the whole exchange, the body read with a cap. Transport failures become
 * ConsumerUnreachableError; what the API answered is the caller's to judge. Neither the request
 * (it may carry a password in its query or body) nor the answer is ever logged, and an error
 * message never quotes them.
 */
import http from 'node:http';
import https from 'node:https';
import { ConsumerUnreachableError } from '../errors';

export interface ConsumerRequest {
  readonly consumerId: string;
  /** `http://127.0.0.1:1984`, `https://frigate.local:8971` (a path prefix is kept). */
  readonly baseUrl: string;
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** HTTPS only: accept a self-signed certificate (Frigate's port 8971 has one by default). */
  readonly allowSelfSigned?: boolean;
}

export interface ConsumerResponse {
  readonly status: number;
  readonly text: string;
  readonly setCookie: readonly string[];
}

const MAX_BODY_BYTES = 256 * 1024;

export function consumerRequest(request: ConsumerRequest): Promise<ConsumerResponse> {
  const url = new URL(request.baseUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}${request.path}`;
  for (const [name, value] of request.query ?? []) url.searchParams.append(name, value);
  const secure = url.protocol === 'https:';
  const unreachable = (reason: string): ConsumerUnreachableError =>
    new ConsumerUnreachableError(request.consumerId, `${request.consumerId} did not answer: ${reason}`);
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: request.method,
      agent: false,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }),
        ...request.headers,
      },
      ...(secure && request.allowSelfSigned ? { rejectUnauthorized: false } : {}),
    };
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy();
          reject(unreachable('the answer was too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const setCookie = res.headers['set-cookie'] ?? [];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookie });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(unreachable(systemReason(err)));
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(unreachable(`no answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(unreachable(systemReason(err)));
    });
    req.end(request.body);
  });
}

/** The system code only (ECONNREFUSED…): a message could quote the URL with its query. */
function systemReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? 'the connection failed';
}

/**
 * A short, secret-free description of an API's refusal: URL userinfo masked, each of `secrets`
 * (as sent and percent-encoded) masked, length capped; an API may echo what it was sent.
 */
export function refusalText(text: string, secrets: readonly string[] = []): string {
  let masked = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) masked = masked.split(form).join('***');
  }
  return masked
    .replace(/:\/\/[^\s/@"']*@/g, '://***@')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}
