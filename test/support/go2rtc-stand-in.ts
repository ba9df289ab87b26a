/**
 * A go2rtc stand-in (test equipment), written from go2rtc's public API and behaviour as summarised
 * in docs/protocol/consumers.md §4 — not from its code:
 * - `GET /api/streams` lists `{name: {producers: [{url}], consumers: [...]}}`, credentials in URLs
 *   masked as `://***@` (newer releases; `maskCredentials: false` for v1.9.14 and older);
 *   `?src=name` gives one stream or 404.
 * - `PUT /api/streams?name=N&src=…[&src=…]` validates every source's scheme (400 otherwise),
 *   REPLACES the stream with a new one (viewers attached to the old one stay on it), then
 *   persists the sources to the config file; without a config file it answers 400 "config file
 *   disabled" after the in-memory replace.
 * - `PATCH /api/streams?name=N&src=…` gives every producer of the existing stream the new source
 *   for its next (re)connect, or creates the stream; memory only.
 * - `DELETE /api/streams?src=N` removes and persists.
 * - Optional Basic auth; loopback clients skip it unless `localAuth` (go2rtc's `local_auth`).
 * Producers log in to the camera over RTSP (test/support/rtsp-login) from the stand-in's own
 * address while at least one viewer is attached, keep the session open, and on failure or a dropped
 * session retry on go2rtc's reconnect cadence: 1 s ×5, 5 s ×5, 10 s ×10, then every 60 s
 * (`timeScale` shrinks it for tests). The config file is written as JSON, which is valid YAML.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rtspConnect, type RtspLoginResult, type RtspSession } from './rtsp-login';

/** Schemes go2rtc has producers for (a subset; anything else is a 400). */
const SCHEMES = new Set([
  'rtsp',
  'rtsps',
  'rtspx',
  'rtmp',
  'rtmps',
  'http',
  'https',
  'ffmpeg',
  'exec',
  'echo',
  'expr',
  'onvif',
  'homekit',
  'webrtc',
  'isapi',
]);

/** go2rtc's producer reconnect delay after the `retry`-th consecutive failure. */
export function go2rtcReconnectDelayMs(retry: number): number {
  if (retry < 5) return 1000;
  if (retry < 10) return 5000;
  if (retry < 20) return 10_000;
  return 60_000;
}

export interface Go2rtcStandInOptions {
  /** Loopback address for the API and the producers' RTSP logins. Default 127.0.0.1. */
  host?: string;
  port?: number;
  streams?: Record<string, string | string[]>;
  /** JSON/YAML file holding `{streams: …}`; read at start when it exists. Null: no config file. */
  configFile?: string | null;
  auth?: { username: string; password: string; localAuth?: boolean };
  /** Mask `://user:pass@` in listings (default true, as go2rtc master since 2026-01). */
  maskCredentials?: boolean;
  /** Multiplies the reconnect cadence (0.01 turns 1 s into 10 ms). Default 1. */
  timeScale?: number;
}

export interface ProducerTally {
  logins: number;
  /** When each login started (ms since the epoch), for cadence checks. */
  startedAt: number[];
  ok: number;
  refused: number;
  other: number;
}

class StandInProducer {
  readonly tally: ProducerTally = { logins: 0, startedAt: [], ok: 0, refused: 0, other: 0 };
  session: RtspSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private retry = 0;

  constructor(
    public url: string,
    private readonly localAddress: string,
    private readonly timeScale: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.retry = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.session?.close();
    this.session = null;
  }

  private async connect(): Promise<void> {
    // A wrapped source (`ffmpeg:rtsp://…#video=copy`) logs in with the RTSP URL inside.
    const inner = /rtsps?:\/\/[^#\s]+/.exec(this.url)?.[0] ?? this.url;
    this.tally.startedAt.push(Date.now());
    const { result, session } = await rtspConnect(inner, { localAddress: this.localAddress });
    this.count(result);
    if (!this.running) {
      session?.close();
      return;
    }
    if (session) {
      this.session = session;
      this.retry = 0;
      await session.closed;
      this.afterSession(session);
      return;
    }
    const delay = go2rtcReconnectDelayMs(this.retry) * this.timeScale;
    this.retry += 1;
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  /** A dropped session reconnects at once, as go2rtc does; failures then back off. */
  private afterSession(session: RtspSession): void {
    if (this.session === session) this.session = null;
    if (this.running) void this.connect();
  }

  private count(result: RtspLoginResult): void {
    this.tally.logins += 1;
    if (result === 'ok') this.tally.ok += 1;
    else if (result === 'refused') this.tally.refused += 1;
    else this.tally.other += 1;
  }
}

class StandInStream {
  readonly producers: StandInProducer[];
  viewers = 0;

  constructor(sources: readonly string[], localAddress: string, timeScale: number) {
    this.producers = sources.map((source) => new StandInProducer(source, localAddress, timeScale));
  }

  setSource(source: string): void {
    for (const producer of this.producers) producer.url = source;
  }
}

export class Go2rtcStandIn {
  readonly requests: string[] = [];
  private readonly streams = new Map<string, StandInStream>();
  /** Streams replaced or deleted while viewers were attached: they live on until those leave. */
  private readonly orphans = new Set<StandInStream>();
  /** Every stream object ever made, for the login tally. */
  private readonly everMade: StandInStream[] = [];
  private readonly sockets = new Set<Socket>();
  private server: http.Server | null = null;

  private constructor(private readonly options: Go2rtcStandInOptions) {}

  static async start(options: Go2rtcStandInOptions = {}): Promise<Go2rtcStandIn> {
    const standIn = new Go2rtcStandIn(options);
    const file = options.configFile ?? null;
    const initial = file !== null && existsSync(file) ? readConfig(file) : (options.streams ?? {});
    for (const [name, sources] of Object.entries(initial))
      standIn.streams.set(name, standIn.newStream(sources));
    if (file !== null && !existsSync(file)) standIn.persist();
    await standIn.listen();
    return standIn;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://${this.host}:${address.port}`;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The current (unmasked) sources of a stream, as go2rtc holds them in memory. */
  sourcesOf(name: string): string[] | undefined {
    return this.streams.get(name)?.producers.map((p) => p.url);
  }

  /** The producers of the stream object a viewer would get now. */
  producersOf(name: string): readonly { url: string; tally: ProducerTally; streaming: boolean }[] {
    return (this.streams.get(name)?.producers ?? []).map((p) => ({
      url: p.url,
      tally: p.tally,
      streaming: p.session !== null,
    }));
  }

  /** Every producer login so far, of every stream object (current, replaced or deleted). */
  totalTally(): ProducerTally {
    const total: ProducerTally = { logins: 0, startedAt: [], ok: 0, refused: 0, other: 0 };
    for (const stream of this.everMade) {
      for (const { tally } of stream.producers) {
        total.logins += tally.logins;
        total.startedAt.push(...tally.startedAt);
        total.ok += tally.ok;
        total.refused += tally.refused;
        total.other += tally.other;
      }
    }
    return total;
  }

  /**
   * A viewer (a WebRTC client, Frigate's recorder) attaches to the stream as it is now; its
   * producers connect while any viewer stays. Returns the detach function.
   */
  attachViewer(name: string): () => void {
    const stream = this.streams.get(name);
    if (!stream) throw new Error(`no go2rtc stream ${name}`);
    stream.viewers += 1;
    for (const producer of stream.producers) producer.start();
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      stream.viewers -= 1;
      if (stream.viewers > 0) return;
      for (const producer of stream.producers) producer.stop();
      this.orphans.delete(stream);
    };
  }

  configText(): string | null {
    const file = this.options.configFile ?? null;
    return file !== null && existsSync(file) ? readFileSync(file, 'utf8') : null;
  }

  async stop(): Promise<void> {
    for (const stream of [...this.streams.values(), ...this.orphans]) {
      for (const producer of stream.producers) producer.stop();
    }
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private newStream(sources: string | readonly string[]): StandInStream {
    const list = typeof sources === 'string' ? [sources] : sources;
    const stream = new StandInStream(list, this.host, this.options.timeScale ?? 1);
    this.everMade.push(stream);
    return stream;
  }

  private replace(name: string, stream: StandInStream | null): void {
    const old = this.streams.get(name);
    if (old && old.viewers > 0) this.orphans.add(old);
    if (stream) this.streams.set(name, stream);
    else this.streams.delete(name);
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.options.port ?? 0 }, () => resolve());
    });
    this.server = server;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://go2rtc');
    this.requests.push(`${req.method} ${url.pathname}`);
    if (!this.authorised(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="go2rtc"', 'content-type': 'text/plain' });
      res.end('Unauthorized\n');
      return;
    }
    if (url.pathname !== '/api/streams') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const text = (status: number, body = ''): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const query = url.searchParams;
    const sources = query.getAll('src');
    const src = query.get('src') ?? '';
    switch (req.method) {
      case 'GET': {
        if (!src)
          return this.json(res, Object.fromEntries([...this.streams].map(([n, s]) => [n, this.view(s)])));
        const stream = this.streams.get(src);
        if (!stream) return text(404);
        return this.json(res, this.view(stream));
      }
      case 'PUT': {
        const name = query.get('name') || src;
        if (!name || sources.length === 0 || !sources.every(hasProducer)) return text(400);
        this.replace(name, this.newStream(sources));
        return this.persisted(text);
      }
      case 'PATCH': {
        const name = query.get('name');
        if (!name || !hasProducer(src)) return text(400);
        const stream = this.streams.get(name);
        if (stream) stream.setSource(src);
        else this.streams.set(name, this.newStream([src]));
        return text(200);
      }
      case 'DELETE': {
        this.replace(src, null);
        return this.persisted(text);
      }
      default:
        return text(405);
    }
  }

  /** go2rtc's PatchConfig: the memory change stands either way; only the file write can fail. */
  private persisted(text: (status: number, body?: string) => void): void {
    if ((this.options.configFile ?? null) === null) return text(400, 'config file disabled\n');
    this.persist();
    text(200);
  }

  private persist(): void {
    const file = this.options.configFile;
    if (!file) return;
    const streams = Object.fromEntries(
      [...this.streams].map(([name, stream]) => {
        const urls = stream.producers.map((p) => p.url);
        return [name, urls.length === 1 ? urls[0] : urls];
      }),
    );
    writeFileSync(file, `${JSON.stringify({ streams }, null, 2)}\n`);
  }

  private view(stream: StandInStream): object {
    const mask = this.options.maskCredentials ?? true;
    return {
      producers: stream.producers.map((p) => ({
        url: mask ? p.url.replace(/:\/\/[^/@\s]*@/, '://***@') : p.url,
      })),
      consumers:
        stream.viewers > 0 ? Array.from({ length: stream.viewers }, () => ({ type: 'viewer' })) : null,
    };
  }

  private json(res: http.ServerResponse, body: object): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private authorised(req: http.IncomingMessage): boolean {
    const auth = this.options.auth;
    if (!auth) return true;
    const remote = req.socket.remoteAddress ?? '';
    const loopback = remote.startsWith('127.') || remote === '::1' || remote.startsWith('::ffff:127.');
    if (loopback && !auth.localAuth) return true;
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }
}

function hasProducer(source: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase();
  return scheme !== undefined && SCHEMES.has(scheme);
}

function readConfig(file: string): Record<string, string | string[]> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { streams?: Record<string, string | string[]> };
  return parsed.streams ?? {};
}
