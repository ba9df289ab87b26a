/**
 * One RTSP login the way stream consumers do it (RFC 2326 + RFC 7616): OPTIONS, DESCRIBE without
 * credentials for the challenge, then ONE DESCRIBE with Digest (or Basic when that is all the
 * camera offers) computed from the URL's userinfo. Test equipment: written from the RFCs, shares
 * the digest arithmetic with the simulator, never imports the client code under test.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseAuthSchemes } from '../../sim/auth-params';
import { digestAlgorithmNamed, digestResponse } from '../../sim/digest-hash';

/** `refused`: the camera answered 401 to the credential (or there was none to send). */
export type RtspLoginResult = 'ok' | 'refused' | 'not-found' | 'unreachable' | 'protocol-error';

export interface RtspLoginOptions {
  /** The consumer's own address: the camera counts (and locks) failures per client address. */
  localAddress: string;
  timeoutMs?: number;
}

interface RtspReply {
  status: number;
  headers: [string, string][];
}

const MAX_REPLY_BYTES = 64 * 1024;

/** An RTSP connection left open after a good login, as a consumer streaming from the camera has. */
export interface RtspSession {
  /** Resolves when the camera (or `close`) ends the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

/** One login, connection closed afterwards. */
export async function rtspLogin(url: string, options: RtspLoginOptions): Promise<RtspLoginResult> {
  const { result, session } = await rtspConnect(url, options);
  session?.close();
  return result;
}

/** One login; after a good one the connection stays open (a streaming session) until closed. */
export async function rtspConnect(
  url: string,
  options: RtspLoginOptions,
): Promise<{ result: RtspLoginResult; session: RtspSession | null }> {
  const result = await login(url, options);
  if (result.result !== 'ok') result.connection?.close();
  return { result: result.result, session: result.result === 'ok' ? result.connection : null };
}

async function login(
  url: string,
  options: RtspLoginOptions,
): Promise<{ result: RtspLoginResult; connection: RtspConnection | null }> {
  const connection = await open(url, options);
  if (!connection) return { result: 'unreachable', connection: null };
  if (typeof connection === 'string') return { result: connection, connection: null };
  return {
    result: await exchange(connection.connection, connection.credential),
    connection: connection.connection,
  };
}

async function open(
  url: string,
  options: RtspLoginOptions,
): Promise<
  | { connection: RtspConnection; credential: { userName: string; password: string; uri: string } }
  | RtspLoginResult
  | null
> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'protocol-error';
  }
  if (target.protocol !== 'rtsp:') return 'protocol-error';
  const userName = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  target.username = '';
  target.password = '';
  const requestUri = target.toString();
  const connection = await RtspConnection.open(target, options);
  return connection ? { connection, credential: { userName, password, uri: requestUri } } : null;
}

async function exchange(
  connection: RtspConnection,
  credential: { userName: string; password: string; uri: string },
): Promise<RtspLoginResult> {
  const optionsReply = await connection.request('OPTIONS', credential.uri, []);
  if (!optionsReply) return 'unreachable';
  const accept = ['Accept: application/sdp'];
  const first = await connection.request('DESCRIBE', credential.uri, accept);
  if (!first) return 'unreachable';
  if (first.status !== 401) return resultOf(first.status);
  if (!credential.userName) return 'refused';
  const authorization = authorizationFor(first, credential);
  if (!authorization) return 'protocol-error';
  const second = await connection.request('DESCRIBE', credential.uri, [
    ...accept,
    `Authorization: ${authorization}`,
  ]);
  if (!second) return 'unreachable';
  return resultOf(second.status);
}

function resultOf(status: number): RtspLoginResult {
  if (status === 200) return 'ok';
  if (status === 401) return 'refused';
  if (status === 404) return 'not-found';
  return 'protocol-error';
}

function authorizationFor(
  reply: RtspReply,
  credential: { userName: string; password: string; uri: string },
): string | null {
  const schemes = reply.headers
    .filter(([name]) => name === 'www-authenticate')
    .flatMap(([, value]) => parseAuthSchemes(value));
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
      userName: credential.userName,
      realm,
      password: credential.password,
      method: 'DESCRIBE',
      uri: credential.uri,
      nonce,
      qop,
    });
    const parts = [
      `username="${credential.userName}"`,
      `realm="${realm}"`,
      `nonce="${nonce}"`,
      `uri="${credential.uri}"`,
      `response="${response}"`,
      ...(qop ? [`qop=auth`, `nc=${qop.nc}`, `cnonce="${qop.cnonce}"`] : []),
    ];
    return `Digest ${parts.join(', ')}`;
  }
  if (schemes.some((s) => s.scheme === 'basic')) {
    return `Basic ${Buffer.from(`${credential.userName}:${credential.password}`).toString('base64')}`;
  }
  return null;
}

/** One TCP connection carrying sequential RTSP requests, each answered or given up after the timeout. */
class RtspConnection implements RtspSession {
  readonly closed: Promise<void>;
  private cseq = 0;
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length > MAX_REPLY_BYTES) socket.destroy();
      this.waiting?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('error', () => socket.destroy());
  }

  static open(target: URL, options: RtspLoginOptions): Promise<RtspConnection | null> {
    const timeoutMs = options.timeoutMs ?? 3000;
    return new Promise((resolve) => {
      const socket = net.connect({
        host: target.hostname,
        port: Number(target.port || 554),
        localAddress: options.localAddress,
      });
      const timer = setTimeout(() => socket.destroy(), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RtspConnection(socket, timeoutMs));
      });
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.on('error', () => socket.destroy());
    });
  }

  async request(method: string, uri: string, headers: string[]): Promise<RtspReply | null> {
    this.cseq += 1;
    const lines = [
      `${method} ${uri} RTSP/1.0`,
      `CSeq: ${this.cseq}`,
      'User-Agent: hik-guard-test-consumer',
      ...headers,
    ];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const reply = this.take();
      if (reply) return reply;
      if (this.ended || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** The next complete reply in the buffer (head and Content-Length body), or null. */
  private take(): RtspReply | null {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [statusLine = '', ...headerLines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers = headerLines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    });
    const length = Number(headers.find(([name]) => name === 'content-length')?.[1] ?? 0);
    if (this.buffered.length < end + 4 + length) return null;
    this.buffered = this.buffered.subarray(end + 4 + length);
    const status = Number(/^RTSP\/1\.0 (\d{3})/.exec(statusLine)?.[1] ?? 0);
    return { status, headers };
  }
}
