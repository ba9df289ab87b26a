/**
 * The simulated device's RTSP service, the way stream consumers (go2rtc, Frigate's ffmpeg, Home
 * Assistant's stream worker, NVR channels, VLC) log in (docs/protocol/consumers.md §7): a text
 * protocol shaped like HTTP (RFC 2326). OPTIONS answers without credentials; DESCRIBE needs Digest
 * (or Basic where the firmware offers it) and answers a small SDP. A missing or wrong credential
 * gets 401 with WWW-Authenticate; every wrong one is a failed login in the SAME per-IP
 * illegal-login lock as ISAPI (one lock per device, docs/protocol/isapi.md §1), so a stale stream
 * consumer locks its address out of the web API too. Only what a login needs is served: SETUP/PLAY
 * and media are not (501). Loopback only; stop() destroys every open connection.
 */
import net from 'node:net';
import { InvalidArgumentError } from '../lib/errors';
import type { DeviceAuthenticator } from './device-authenticator';
import { makeNonce, offersBasic, offersDigest } from './digest-challenge';
import type { DeviceProfile } from './device-profile';
import type { DeviceState } from './device-state';
import { isLoopbackAddress } from './loopback-address';
import type { SimCounters } from './sim-counters';

const MAX_HEADER_BYTES = 8 * 1024;
const IDLE_TIMEOUT_MS = 30_000;
/** Paths Hikvision firmware serves (new style, ISAPI style, and the pre-2015 main/sub stream). */
const STREAM_PATH =
  /^\/(?:ISAPI\/)?Streaming\/channels\/\d+\/?$|^\/h264\/ch\d+\/(?:main|sub)\/av_stream\/?$/i;
const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER';

interface RtspRequest {
  method: string;
  url: string;
  cseq: string;
  authorization: string | undefined;
}

interface Connection {
  clientIp: string;
  /** Issued with the connection's first challenge and reused by the whole session (RTSP clients do). */
  nonce: string | null;
  /** Who logged in on this connection, once someone did. */
  userName: string | null;
}

export interface RtspServices {
  profile: DeviceProfile;
  authenticator: DeviceAuthenticator;
  counters: SimCounters;
  state: DeviceState;
}

export class RtspListener {
  private server: net.Server | null = null;
  /** Open connections; the user name once a DESCRIBE logged in on it. */
  private readonly sockets = new Map<net.Socket, string | null>();
  private address: { host: string; port: number } | null = null;

  constructor(private readonly services: RtspServices) {}

  get host(): string | null {
    return this.address?.host ?? null;
  }

  get port(): number | null {
    return this.address?.port ?? null;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Starts listening; without arguments, again on the address of the previous start. */
  async start(host?: string, port = 0): Promise<void> {
    if (this.server) throw new InvalidArgumentError('the RTSP service is already listening');
    const target = host === undefined ? this.address : { host, port };
    if (!target) throw new InvalidArgumentError('host is required for the first start');
    if (!isLoopbackAddress(target.host)) {
      throw new InvalidArgumentError(`host must be an address in 127.0.0.0/8, not ${target.host}`);
    }
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: target.host, port: target.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    this.server = server;
    this.address = { host: target.host, port: typeof bound === 'object' && bound ? bound.port : target.port };
  }

  /** Closes the listener and every connection (a reboot drops live streams); the address is kept. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropSessions();
    await closed;
  }

  /**
   * Drops the open RTSP connections (all, as a network blip does, or those logged in as
   * `userName`); consumers reconnect and log in again.
   */
  dropSessions(userName?: string): void {
    for (const [socket, user] of this.sockets) {
      if (userName !== undefined && user !== userName) continue;
      socket.destroy();
      this.sockets.delete(socket);
    }
  }

  private serve(socket: net.Socket): void {
    this.sockets.set(socket, null);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const connection: Connection = {
      clientIp: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      nonce: null,
      userName: null,
    };
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (pending.length > MAX_HEADER_BYTES) socket.destroy();
          return;
        }
        const head = pending.subarray(0, end).toString('latin1');
        const request = parseRequest(head);
        const bodyLength = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + bodyLength) return; // wait for the body, which RTSP logins never need
        pending = pending.subarray(end + 4 + bodyLength);
        if (!request) {
          socket.end('RTSP/1.0 400 Bad Request\r\n\r\n');
          return;
        }
        this.services.counters.rtspRequests += 1;
        socket.write(this.answer(request, connection, socket.localAddress ?? ''));
        if (connection.userName !== null && this.sockets.has(socket))
          this.sockets.set(socket, connection.userName);
      }
    });
  }

  private answer(request: RtspRequest, connection: Connection, localAddress: string): string {
    const headers = [`CSeq: ${request.cseq}`, `Date: ${new Date().toUTCString()}`];
    if (request.method === 'OPTIONS') return reply('200 OK', [...headers, `Public: ${PUBLIC_METHODS}`]);
    if (request.method !== 'DESCRIBE') return reply('501 Not Implemented', headers);

    connection.nonce ??= this.newNonce();
    const outcome = this.services.authenticator.authenticateStream(
      {
        method: request.method,
        url: request.url,
        authorization: request.authorization,
        clientIp: connection.clientIp,
      },
      connection.nonce,
    );
    switch (outcome.kind) {
      case 'bad-request':
        return reply('400 Bad Request', headers);
      case 'stale':
        connection.nonce = this.newNonce();
        return reply('401 Unauthorized', [...headers, ...this.challenge(connection.nonce, true)]);
      case 'challenge':
      case 'rejected':
        // Best knowledge, not recorded: a locked address gets the same 401 as a wrong password.
        return reply('401 Unauthorized', [...headers, ...this.challenge(connection.nonce, false)]);
      case 'authenticated':
        // A right login without the live-view right (UserPermission remote preview) is no failed login.
        if (!this.services.state.accounts.rightsOf(outcome.user).preview)
          return reply('403 Forbidden', headers);
        connection.userName = outcome.user.userName;
        break;
    }
    const path = pathOf(request.url);
    if (path === null || !STREAM_PATH.test(path)) return reply('404 Not Found', headers);
    this.services.counters.streamLogins += 1;
    const body = sdp(localAddress, request.url);
    return reply(
      '200 OK',
      [
        ...headers,
        'Content-Type: application/sdp',
        `Content-Base: ${request.url.replace(/\/?$/, '/')}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
      ],
      body,
    );
  }

  private newNonce(): string {
    return makeNonce(this.services.profile.quirks.nonceStyle, this.services.profile.clock());
  }

  /** The RTSP challenge carries only realm, nonce and stale (no qop, domain or opaque, as on the wire). */
  private challenge(nonce: string, stale: boolean): string[] {
    const { authOffer } = this.services.profile.quirks;
    const realm = this.services.authenticator.realm;
    const lines: string[] = [];
    if (offersDigest(authOffer)) {
      lines.push(
        `WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}", stale="${stale ? 'TRUE' : 'FALSE'}"`,
      );
    }
    if (offersBasic(authOffer)) lines.push(`WWW-Authenticate: Basic realm="${realm}"`);
    return lines;
  }
}

function parseRequest(head: string): RtspRequest | null {
  const [line = '', ...headerLines] = head.split('\r\n');
  const match = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(line);
  if (!match?.[1] || !match[2]) return null;
  const headers = new Map<string, string>();
  for (const header of headerLines) {
    const colon = header.indexOf(':');
    if (colon > 0) headers.set(header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim());
  }
  const cseq = headers.get('cseq');
  if (cseq === undefined) return null;
  return { method: match[1], url: match[2], cseq, authorization: headers.get('authorization') };
}

function pathOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'rtsp:' ? parsed.pathname : null;
  } catch {
    return null;
  }
}

/** Our own minimal session description: one H.264 video track, enough for a client to see a stream. */
function sdp(localAddress: string, url: string): string {
  const session = Date.now();
  return [
    'v=0',
    `o=- ${session} ${session} IN IP4 ${localAddress}`,
    's=Media Presentation',
    'e=NONE',
    't=0 0',
    `a=control:${url}`,
    'm=video 0 RTP/AVP 96',
    'c=IN IP4 0.0.0.0',
    'a=recvonly',
    'a=rtpmap:96 H264/90000',
    'a=control:trackID=1',
    '',
  ].join('\r\n');
}

function reply(status: string, headers: string[], body = ''): string {
  return `RTSP/1.0 ${status}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}
