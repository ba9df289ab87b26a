/**
 * A Frigate 0.17 stand-in (test equipment), written from Frigate's public docs as summarised in
 * docs/protocol/consumers.md §5 — not from its code:
 * - the config holds `cameras.<cam>.ffmpeg.inputs[].path` (and `ffmpeg.retry_interval`, default
 *   10 s); it is persisted as JSON (valid YAML) in the config file;
 * - `{FRIGATE_*}` in a camera path is replaced from `environment` (Frigate: environment variables,
 *   secret files or `environment_vars`) when the processes start and in what GET /api/config shows;
 * - `GET /api/config` shows the config with camera credentials masked (`://*:*@`), variables
 *   already substituted; `GET /api/config/raw` returns the file's text as it is (variables kept);
 * - `PUT /api/config/set` takes a JSON body `{config_data, requires_restart, update_topic}` (nested
 *   objects are merged key by key, a list replaces the list — best knowledge) or query-string key
 *   paths (`?cameras.front.ffmpeg.inputs.0.path=…`, numbers index lists); the result is validated,
 *   an invalid one rolled back with 400; success says "restart to apply";
 * - `POST /api/restart` answers at once; after `restartDelayMs` the "ffmpeg" processes start again
 *   with the saved config. Until then they keep the path they started with;
 * - `GET /api/stats` says among much else `service.uptime`, seconds since Frigate (re)started
 *   (what the Frigate Home Assistant integration shows as its uptime sensor);
 * - every camera input is an "ffmpeg" process logging in to the camera over RTSP from Frigate's
 *   address, retrying every `retry_interval` after a failure or a dropped session;
 * - the internal port (5000 style) needs no auth and acts as admin; the authenticated port (8971
 *   style, plain HTTP here) needs a JWT from `POST /api/login` (cookie `frigate_token` or Bearer),
 *   and failed logins are rate limited (429).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rtspConnect, type RtspLoginResult, type RtspSession } from './rtsp-login';

export interface FrigateInput {
  path: string;
  roles: string[];
}

export interface FrigateConfig {
  ffmpeg?: { retry_interval?: number };
  cameras: Record<string, { ffmpeg: { inputs: FrigateInput[]; retry_interval?: number } }>;
  [key: string]: unknown;
}

export interface FrigateStandInOptions {
  host?: string;
  config: FrigateConfig;
  configFile: string;
  /** Delay between POST /api/restart and the processes running the saved config. Default 100 ms. */
  restartDelayMs?: number;
  /** Overrides every retry_interval (in ms) so tests need not wait 10 s. */
  retryIntervalMs?: number;
  /** Starts the authenticated (8971-style) port with this user. */
  authUser?: { user: string; password: string };
  /** Failed /api/login attempts allowed per minute before 429. Default 5. */
  loginRateLimitPerMinute?: number;
  /** Values of `{FRIGATE_*}` variables used in camera paths. */
  environment?: Record<string, string>;
}

export interface FfmpegTally {
  logins: number;
  ok: number;
  refused: number;
  other: number;
}

class FfmpegProcess {
  readonly tally: FfmpegTally = { logins: 0, ok: 0, refused: 0, other: 0 };
  private session: RtspSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = true;

  constructor(
    readonly path: string,
    private readonly localAddress: string,
    private readonly retryMs: number,
  ) {
    void this.connect();
  }

  get streaming(): boolean {
    return this.session !== null;
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.session?.close();
  }

  private async connect(): Promise<void> {
    const { result, session } = await rtspConnect(this.path, { localAddress: this.localAddress });
    this.count(result);
    if (!this.isRunning()) {
      session?.close();
      return;
    }
    if (session) {
      this.session = session;
      await session.closed;
      this.session = null;
    }
    if (this.isRunning()) this.timer = setTimeout(() => void this.connect(), this.retryMs);
  }

  private isRunning(): boolean {
    return this.running;
  }

  private count(result: RtspLoginResult): void {
    this.tally.logins += 1;
    if (result === 'ok') this.tally.ok += 1;
    else if (result === 'refused') this.tally.refused += 1;
    else this.tally.other += 1;
  }
}

export class FrigateStandIn {
  readonly requests: string[] = [];
  restarts = 0;
  private processes = new Map<string, FfmpegProcess[]>();
  private readonly retired: FfmpegProcess[] = [];
  private readonly servers: http.Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly jwtKey = randomBytes(32);
  private failedLogins: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private startedAt = Date.now();
  private internal: http.Server | null = null;
  private authenticated: http.Server | null = null;

  private constructor(private readonly options: FrigateStandInOptions) {}

  static async start(options: FrigateStandInOptions): Promise<FrigateStandIn> {
    const frigate = new FrigateStandIn(options);
    writeFileSync(options.configFile, `${JSON.stringify(options.config, null, 2)}\n`);
    frigate.startProcesses();
    frigate.internal = await frigate.listen(false);
    if (options.authUser) frigate.authenticated = await frigate.listen(true);
    return frigate;
  }

  /** The unauthenticated internal API (port 5000 style). */
  get internalUrl(): string {
    return urlOf(this.internal);
  }

  /** The authenticated API (port 8971 style); only with `authUser`. */
  get authenticatedUrl(): string {
    return urlOf(this.authenticated);
  }

  /** The saved config, as the file holds it now. */
  savedConfig(): FrigateConfig {
    return JSON.parse(readFileSync(this.options.configFile, 'utf8')) as FrigateConfig;
  }

  /** The running ffmpeg processes of a camera: the path each started with and its logins. */
  processesOf(camera: string): readonly { path: string; tally: FfmpegTally; streaming: boolean }[] {
    return (this.processes.get(camera) ?? []).map((p) => ({
      path: p.path,
      tally: p.tally,
      streaming: p.streaming,
    }));
  }

  /** Every ffmpeg login so far, also of processes ended by a restart. */
  totalTally(): FfmpegTally {
    const total: FfmpegTally = { logins: 0, ok: 0, refused: 0, other: 0 };
    for (const process of [...this.retired, ...[...this.processes.values()].flat()]) {
      total.logins += process.tally.logins;
      total.ok += process.tally.ok;
      total.refused += process.tally.refused;
      total.other += process.tally.other;
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.stopProcesses();
    const closing = this.servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closing);
  }

  /** The owner restarts Frigate (its UI, or the container): the saved config takes effect. */
  restartByOwner(): void {
    this.scheduleRestart();
  }

  private startProcesses(): void {
    this.startedAt = Date.now();
    const config = this.savedConfig();
    const host = this.options.host ?? '127.0.0.1';
    for (const [name, camera] of Object.entries(config.cameras)) {
      const seconds = camera.ffmpeg.retry_interval ?? config.ffmpeg?.retry_interval ?? 10;
      const retryMs = this.options.retryIntervalMs ?? seconds * 1000;
      this.processes.set(
        name,
        camera.ffmpeg.inputs.map((input) => new FfmpegProcess(this.substitute(input.path), host, retryMs)),
      );
    }
  }

  /** `{FRIGATE_*}` replaced from the environment; an unknown variable stays as written. */
  private substitute(text: string): string {
    const environment = this.options.environment ?? {};
    return text.replace(/\{(FRIGATE_[A-Z0-9_]+)\}/g, (whole, name: string) => environment[name] ?? whole);
  }

  private stopProcesses(): void {
    for (const process of [...this.processes.values()].flat()) {
      process.stop();
      this.retired.push(process);
    }
    this.processes = new Map();
  }

  private async listen(requireAuth: boolean): Promise<http.Server> {
    const server = http.createServer((req, res) => void this.handle(req, res, requireAuth));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host ?? '127.0.0.1', port: 0 }, () => resolve());
    });
    this.servers.push(server);
    return server;
  }

  private async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requireAuth: boolean,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://frigate');
    const route = `${req.method} ${url.pathname}`;
    this.requests.push(route);
    const body = await readBody(req);
    const json = (status: number, payload: object, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (route === 'POST /api/login') return this.login(body, json);
    if (requireAuth && !this.validToken(req)) return json(401, { message: 'Authentication required' });
    switch (route) {
      case 'GET /api/config':
        return json(
          200,
          maskedConfig(JSON.parse(this.substitute(JSON.stringify(this.savedConfig()))) as FrigateConfig),
        );
      case 'GET /api/config/raw':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(readFileSync(this.options.configFile, 'utf8'));
      case 'PUT /api/config/set':
        return this.configSet(url, body, json);
      case 'GET /api/stats':
        return json(200, {
          cameras: {},
          service: { uptime: (Date.now() - this.startedAt) / 1000, version: '0.17.2-stand-in' },
        });
      case 'POST /api/restart':
        this.scheduleRestart();
        return json(200, { success: true, message: 'Restarting (this can take up to one minute)...' });
      default:
        return json(404, { success: false, message: 'Not found' });
    }
  }

  private configSet(url: URL, body: string, json: (status: number, payload: object) => void): void {
    const config = this.savedConfig();
    try {
      if (url.searchParams.size > 0) {
        for (const [key, value] of url.searchParams) setPath(config, key.split('.'), value);
      } else {
        const parsed = JSON.parse(body || '{}') as { config_data?: unknown };
        if (typeof parsed.config_data !== 'object' || parsed.config_data === null)
          throw new Error('no config_data');
        merge(config, parsed.config_data as Record<string, unknown>);
      }
      validate(config);
    } catch (err) {
      // Nothing written: the file keeps the previous config (Frigate rolls back).
      return json(400, { success: false, message: `Error updating config: ${(err as Error).message}` });
    }
    writeFileSync(this.options.configFile, `${JSON.stringify(config, null, 2)}\n`);
    json(200, { success: true, message: 'Config successfully updated, restart to apply' });
  }

  private scheduleRestart(): void {
    if (this.restartTimer) return;
    this.stopProcesses();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts += 1;
      this.startProcesses();
    }, this.options.restartDelayMs ?? 100);
  }

  private login(
    body: string,
    json: (status: number, payload: object, headers?: Record<string, string>) => void,
  ): void {
    const now = Date.now();
    this.failedLogins = this.failedLogins.filter((t) => now - t < 60_000);
    if (this.failedLogins.length >= (this.options.loginRateLimitPerMinute ?? 5)) {
      return json(429, { message: 'Too many requests' });
    }
    let user: unknown;
    let password: unknown;
    try {
      ({ user, password } = JSON.parse(body) as { user?: unknown; password?: unknown });
    } catch {
      // treated as a failed login below
    }
    const expected = this.options.authUser;
    if (!expected || user !== expected.user || password !== expected.password) {
      this.failedLogins.push(now);
      return json(401, { message: 'Login failed' });
    }
    const token = this.jwt({ sub: expected.user, role: 'admin', exp: Math.floor(now / 1000) + 3600 });
    json(200, {}, { 'set-cookie': `frigate_token=${token}; HttpOnly; Path=/; SameSite=Lax` });
  }

  private jwt(claims: object): string {
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${unsigned}.${createHmac('sha256', this.jwtKey).update(unsigned).digest('base64url')}`;
  }

  private validToken(req: http.IncomingMessage): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookie = /(?:^|;\s*)frigate_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = bearer ?? cookie;
    if (!token) return false;
    const [header, claims, signature] = token.split('.');
    if (!header || !claims || !signature) return false;
    const expected = createHmac('sha256', this.jwtKey).update(`${header}.${claims}`).digest('base64url');
    if (expected !== signature) return false;
    const { exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { exp: number };
    return exp * 1000 > Date.now();
  }
}

function urlOf(server: http.Server | null): string {
  if (!server) throw new Error('that Frigate port is not running');
  const address = server.address() as AddressInfo;
  return `http://${address.address}:${address.port}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });
}

/** Sets `value` at a dotted key path; a number indexes a list. Fails on a path through a non-object. */
function setPath(root: Record<string, unknown>, keys: string[], value: unknown): void {
  let node: unknown = root;
  for (const [i, key] of keys.entries()) {
    const last = i === keys.length - 1;
    if (Array.isArray(node)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index > node.length)
        throw new Error(`no list item ${key}`);
      if (last) node[index] = value;
      else node = node[index] ??= {};
    } else if (typeof node === 'object' && node !== null) {
      const object = node as Record<string, unknown>;
      if (last) object[key] = value;
      else node = object[key] ??= {};
    } else {
      throw new Error(`${keys.slice(0, i).join('.')} is not a section`);
    }
  }
}

function merge(target: Record<string, unknown>, update: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(update)) {
    const current = target[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null &&
      !Array.isArray(current);
    if (bothObjects) merge(current as Record<string, unknown>, value as Record<string, unknown>);
    else target[key] = value;
  }
}

/** What Frigate's config model would refuse, as far as these tests need it. */
function validate(config: FrigateConfig): void {
  if (typeof config.cameras !== 'object' || Object.keys(config.cameras).length === 0)
    throw new Error('no cameras');
  for (const [name, camera] of Object.entries(config.cameras)) {
    const inputs = camera.ffmpeg.inputs as unknown;
    if (!Array.isArray(inputs) || inputs.length === 0) throw new Error(`camera ${name} has no ffmpeg inputs`);
    for (const input of inputs as Partial<FrigateInput>[]) {
      // Like pydantic's messages, this one quotes the value it refused (secrets included).
      if (typeof input.path !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(input.path))
        throw new Error(`camera ${name}: input path is not a URL [input_value='${String(input.path)}']`);
      if (!Array.isArray(input.roles) || input.roles.length === 0)
        throw new Error(`camera ${name}: an input has no roles`);
    }
  }
}

/** Frigate hides camera credentials in what its API shows. */
function maskedConfig(config: FrigateConfig): FrigateConfig {
  return JSON.parse(JSON.stringify(config).replace(/:\/\/[^/@"\s]*@/g, '://*:*@')) as FrigateConfig;
}
