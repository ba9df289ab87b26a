/**
 * One device origin over Node's own HTTP client: one connection at a time, kept open 4 s after an
 * exchange (or less when the device says so), bounded connect and response times, a cap on body
 * size, and every transport failure mapped to a typed error. Knows nothing about authentication.
 * Traces each exchange (`NODE_DEBUG=hik-guard`): method, path without its query, status, the auth
 * scheme word.
 *
 * Node's client rather than undici's: a device is asked a few small questions a minute, and the
 * watch asks a thousand of them; node:http does that for half the CPU, and a process that never
 * talks to Home Assistant then never loads undici (about 19 MB resident). See BENCHMARKS.md.
 */
import { Agent, request, type AgentOptions, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { trace, tracing, type TraceFields } from '../diagnostics';
import {
  BodyTooLargeError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  InvalidArgumentError,
} from '../errors';
import { connectPinned, type CertificatePin, type PinnedTarget } from './pinned-connector';

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
  /**
   * How long a connection is kept open after an exchange, ms (less when the device's Keep-Alive
   * says so). 0: one exchange per connection, closed as soon as it is answered. Default 4 s.
   */
  keepAliveMs?: number | undefined;
}

export interface HttpExchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | undefined;
}

/** Header names in lower case; a header the device sent more than once is a list. */
export type ReplyHeaders = Readonly<Record<string, string | string[]>>;

export interface HttpReply {
  status: number;
  headers: ReplyHeaders;
  body: string;
}

const DEFAULT_KEEP_ALIVE_MS = 4_000;

type CreateConnection = (
  options: unknown,
  callback: (err: Error | null, socket: Duplex | null) => void,
) => void;

/**
 * Node's agent with one connection per device, made by `open`, which calls back only once the
 * connection is up (and, for HTTPS, its certificate matched the pin): the agent writes the request
 * only then. `Agent.createSocket` accepts such an asynchronous `createConnection`.
 */
class DeviceAgent extends Agent {
  constructor(
    keepAliveMs: number,
    open: (callback: (err: Error | null, socket: Duplex | null) => void) => void,
  ) {
    super({
      keepAlive: keepAliveMs > 0,
      maxSockets: 1,
      maxFreeSockets: 1,
      timeout: keepAliveMs > 0 ? keepAliveMs : undefined,
    } satisfies AgentOptions);
    (this as unknown as { createConnection: CreateConnection }).createConnection = (_options, callback) => {
      open(callback);
    };
  }

  /** Every socket the agent holds, busy or idle. */
  allSockets(): Socket[] {
    return [...Object.values(this.sockets), ...Object.values(this.freeSockets)].flatMap((list) => list ?? []);
  }
}

export class HttpTransport {
  /** Made for an exchange and dropped once no connection is left (a device asked once a minute). */
  private agent: DeviceAgent | null = null;
  /** Connections being made or open. */
  private connections = 0;
  private readonly inFlight = new Set<ClientRequest>();
  private readonly connect: (callback: (err: Error | null, socket: Duplex | null) => void) => void;
  private readonly keepAliveMs: number;
  /** Aborted on close: a connection attempt under way gives up. */
  private readonly closing = new AbortController();
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new InvalidArgumentError(`port must be an integer 1..65535, got ${options.port}`);
    }
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (!Number.isInteger(this.keepAliveMs) || this.keepAliveMs < 0) {
      throw new InvalidArgumentError(`keepAliveMs must be a whole number >= 0, got ${this.keepAliveMs}`);
    }
    const target: PinnedTarget = {
      host: options.host,
      port: options.port,
      timeoutMs: options.connectTimeoutMs,
      signal: this.closing.signal,
    };
    this.connect =
      options.protocol === 'https'
        ? (callback) => connectPinned(target, options.tlsPin ?? {}, callback)
        : (callback) => connectPlain(target, callback);
  }

  private currentAgent(): DeviceAgent {
    this.agent ??= new DeviceAgent(this.keepAliveMs, (callback) => {
      this.connections += 1;
      this.connect((err, socket) => {
        if (err !== null || socket === null) {
          this.connections -= 1;
          this.dropAgentWhenIdle();
        } else {
          socket.once('close', () => {
            this.connections -= 1;
            this.dropAgentWhenIdle();
          });
        }
        callback(err, socket);
      });
    });
    return this.agent;
  }

  private dropAgentWhenIdle(): void {
    if (this.connections === 0 && this.inFlight.size === 0) this.agent = null;
  }

  send(exchange: HttpExchange): Promise<HttpReply> {
    const { host, port, requestTimeoutMs, maxBodyBytes } = this.options;
    const started = performance.now();
    const traced = (fields: TraceFields): void => {
      if (!tracing()) return;
      trace('isapi', `${exchange.method} ${pathOnly(exchange.path)}`, {
        host: `${formatHost(host)}:${port}`,
        ...fields,
        auth: authScheme(exchange.headers?.authorization),
        ms: Math.round(performance.now() - started),
      });
    };
    return new Promise<HttpReply>((resolve, reject) => {
      if (this.closed) {
        reject(new DeviceUnreachableError(`cannot reach ${host}:${port} (closed)`));
        return;
      }
      const headers: Record<string, string> = { ...exchange.headers };
      if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
      if (this.keepAliveMs === 0) headers.connection = 'close';
      let req: ClientRequest | null = null;
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (req) this.inFlight.delete(req);
        this.dropAgentWhenIdle();
        outcome();
      };
      const fail = (err: unknown): void =>
        settle(() => {
          req?.destroy();
          const failure = toTransportError(err, this.options);
          traced({ failed: HikError.isHikError(failure) ? failure.code : 'HIK_ERR' });
          reject(failure);
        });
      // Started before the request opens a connection (and its connect timer), so when both
      // limits are equal the whole exchange is what timed out, as before.
      const deadline = setTimeout(
        () => fail(new DeviceTimeoutError('response', requestTimeoutMs)),
        requestTimeoutMs,
      );
      try {
        req = request({
          host,
          port,
          method: exchange.method,
          path: exchange.path,
          headers,
          agent: this.currentAgent(),
        });
      } catch (err) {
        // A header value Node refuses to send (a control character, say): nothing went out.
        fail(err);
        return;
      }
      this.inFlight.add(req);
      req.once('error', fail);
      req.once('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) fail(new BodyTooLargeError(maxBodyBytes));
          else chunks.push(chunk);
        });
        response.once('error', fail);
        response.once('end', () =>
          settle(() => {
            const status = response.statusCode ?? 0;
            traced({ status });
            resolve({
              status,
              headers: replyHeaders(response),
              body: Buffer.concat(chunks).toString('utf8'),
            });
          }),
        );
        // A connection lost in the middle of the body ends the response without 'end'.
        response.once('close', () => {
          if (!response.complete)
            fail(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
        });
      });
      req.end(exchange.body);
    });
  }

  /** Ends every exchange under way (they fail as unreachable) and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const closed = Object.assign(new Error('the transport was closed'), { code: 'ECONNRESET' });
    for (const req of this.inFlight) req.destroy(closed);
    const sockets = this.agent?.allSockets() ?? [];
    this.agent?.destroy();
    this.agent = null;
    await Promise.all(
      sockets.map((socket) =>
        socket.closed
          ? Promise.resolve()
          : new Promise<void>((resolve) => socket.once('close', () => resolve())),
      ),
    );
  }
}

function connectPlain(
  target: PinnedTarget,
  callback: (err: Error | null, socket: Socket | null) => void,
): void {
  const socket = connect({ host: target.host, port: target.port, noDelay: true });
  const abandon = (): void => finish(new DeviceUnreachableError('the connection attempt was abandoned'));
  const finish = (err: Error | null): void => {
    clearTimeout(timer);
    target.signal.removeEventListener('abort', abandon);
    socket.off('error', finish);
    socket.off('connect', connected);
    if (err === null) {
      callback(null, socket);
      return;
    }
    socket.destroy();
    callback(err, null);
  };
  const connected = (): void => finish(null);
  const timer = setTimeout(
    () => finish(new DeviceTimeoutError('connect', target.timeoutMs)),
    target.timeoutMs,
  );
  socket.once('connect', connected);
  socket.once('error', finish);
  target.signal.addEventListener('abort', abandon);
}

/** Like undici's: lower-case names, a repeated header (WWW-Authenticate) as a list. */
function replyHeaders(response: IncomingMessage): ReplyHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(response.headersDistinct)) {
    if (values === undefined) continue;
    headers[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return headers;
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
]);

function toTransportError(err: unknown, options: HttpTransportOptions): Error {
  if (HikError.isHikError(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new DeviceUnreachableError(`cannot reach ${options.host}:${options.port} (${code})`);
  }
  return new DeviceUnreachableError(`cannot talk to ${options.host}:${options.port}`, { cause: err });
}
