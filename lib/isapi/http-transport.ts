/**
 * One device origin over undici: bounded connect and response times, a cap on body size, and
 * every transport failure mapped to a typed error. Knows nothing about authentication. Traces each
 * exchange (`NODE_DEBUG=hik-guard`): method, path without its query, status, the auth scheme word.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';
import { trace, type TraceFields } from '../diagnostics';
import {
  BodyTooLargeError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  InvalidArgumentError,
} from '../errors';
import { buildPinnedConnector, type CertificatePin } from './pinned-connector';

export interface HttpTransportOptions {
  host: string;
  port: number;
  protocol: 'http' | 'https';
  /** Required for https: the certificate pin (learnt on first use when empty). */
  tlsPin?: CertificatePin | undefined;
  connectTimeoutMs: number;
  /** Whole exchange, from sending the request to the last byte of the body. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
}

export interface HttpExchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | undefined;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export class HttpTransport {
  private readonly client: Client;

  constructor(private readonly options: HttpTransportOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new InvalidArgumentError(`port must be an integer 1..65535, got ${options.port}`);
    }
    const origin = `${options.protocol}://${formatHost(options.host)}:${options.port}`;
    const connect =
      options.protocol === 'https'
        ? buildPinnedConnector(options.tlsPin ?? {}, options.connectTimeoutMs)
        : { timeout: options.connectTimeoutMs };
    this.client = new Client(origin, {
      connect,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 4_000,
      pipelining: 1,
    });
  }

  async send(exchange: HttpExchange): Promise<HttpReply> {
    const { requestTimeoutMs, maxBodyBytes } = this.options;
    const signal = AbortSignal.timeout(requestTimeoutMs);
    const started = performance.now();
    const traced = (fields: TraceFields): void =>
      trace('isapi', `${exchange.method} ${pathOnly(exchange.path)}`, {
        host: `${formatHost(this.options.host)}:${this.options.port}`,
        ...fields,
        auth: authScheme(exchange.headers?.authorization),
        ms: Math.round(performance.now() - started),
      });
    try {
      const response = await this.client.request({
        method: exchange.method,
        path: exchange.path,
        headers: exchange.headers,
        body: exchange.body,
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBodyBytes) {
          response.body.destroy();
          throw new BodyTooLargeError(maxBodyBytes);
        }
        chunks.push(chunk as Buffer);
      }
      traced({ status: response.statusCode });
      return {
        status: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
    } catch (err) {
      const failure = toTransportError(err, signal.aborted, this.options);
      traced({ failed: HikError.isHikError(failure) ? failure.code : 'HIK_ERR' });
      throw failure;
    }
  }

  async close(): Promise<void> {
    await this.client.destroy();
  }
}

/** Only the scheme word (`digest`, `basic`) of an Authorization value, never the rest. */
function authScheme(authorization: string | undefined): string {
  if (authorization === undefined) return 'none';
  return (authorization.split(' ', 1)[0] ?? '').toLowerCase();
}

/** Queries are left out of traces: some carry parameters that are nobody else's business. */
function pathOnly(path: string): string {
  return path.split('?')[0] ?? path;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

function toTransportError(err: unknown, timedOut: boolean, options: HttpTransportOptions): Error {
  if (HikError.isHikError(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new DeviceTimeoutError('connect', options.connectTimeoutMs);
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new DeviceTimeoutError('response', options.requestTimeoutMs);
  }
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new DeviceUnreachableError(`cannot reach ${options.host}:${options.port} (${code})`);
  }
  return new DeviceUnreachableError(`cannot talk to ${options.host}:${options.port}`, { cause: err });
}
