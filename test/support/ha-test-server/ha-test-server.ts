/**
 * A Home Assistant for tests: the WebSocket (`/api/websocket`) and REST (`/api/…`) parts the
 * product uses, written from docs/protocol/homeassistant.md, bound to 127.0.0.1 only. Switches: `restart`
 * (drops every connection, forgets REST states and notifications, comes back on the same port,
 * STARTING then RUNNING with `homeassistant_started`), `goDown`/`comeUp` (a long outage),
 * `rejectAllTokens` (every token becomes invalid), `slowClients` (the connected clients stop
 * reading and get disconnected for it), and `stopping` (REST answers 503 while HA is stopping).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { HaCore } from './ha-core';
import { handleRest } from './rest-api';
import { WsSession, type TokenInfo } from './ws-session';

export interface HaTestServerOptions {
  /** Valid tokens and their users. */
  readonly tokens: Readonly<Record<string, { readonly isAdmin: boolean; readonly name?: string }>>;
  readonly haVersion?: string;
  /** core: 10 s. */
  readonly authTimeoutMs?: number;
  /** Messages queued for a non-reading client before it is dropped at once (core: 4096 or more). */
  readonly maxPendingMessages?: number;
  /** A non-reading client at this many queued messages for `pendingPeakMs` is dropped (core: 1024, 5 s). */
  readonly pendingPeak?: number;
  readonly pendingPeakMs?: number;
  /** notify.<name> services that exist. */
  readonly notifyServices?: readonly string[];
  /** How long STARTING lasts after a restart before RUNNING and `homeassistant_started`. */
  readonly startingMs?: number;
  /** HA's own loopback address for its logins at cameras (config entries). Default 127.0.0.1. */
  readonly clientAddress?: string;
  /** The stream worker's retry step for config entries' streams (core: 10 s). */
  readonly streamStepMs?: number;
}

export interface HaTestCounters {
  authOk: number;
  authInvalid: number;
  restUnauthorized: number;
  connections: number;
  coalescedFrames: number;
}

export class HaTestServer {
  readonly core: HaCore;
  readonly counters: HaTestCounters = {
    authOk: 0,
    authInvalid: 0,
    restUnauthorized: 0,
    connections: 0,
    coalescedFrames: 0,
  };
  readonly restLog: { method: string; path: string; status: number }[] = [];
  /** Every access token a client presented (for the canary test: the server may see it, no log may). */
  readonly presentedTokens: string[] = [];
  private readonly sessions = new Set<WsSession>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | null = null;
  private port = 0;
  private tokensRejected = false;
  private stopping = false;
  private startingTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: HaTestServerOptions) {
    this.core = new HaCore(options.haVersion ?? '2025.1.0', options.notifyServices ?? [], {
      clientAddress: options.clientAddress ?? '127.0.0.1',
      streamStepMs: options.streamStepMs ?? 10_000,
    });
  }

  static async start(options: HaTestServerOptions): Promise<HaTestServer> {
    const server = new HaTestServer(options);
    await server.listen();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  rejectAllTokens(reject = true): void {
    this.tokensRejected = reject;
  }

  /** The clients connected now stop reading; HA drops them once their queue stays at the peak. */
  slowClients(): void {
    for (const session of this.sessions) session.stopReading();
  }

  /** While set, REST answers 503 and get_config reports STOPPING. */
  setStopping(stopping: boolean): void {
    this.stopping = stopping;
    this.core.state = stopping ? 'STOPPING' : 'RUNNING';
  }

  /** HA shuts down: clients are dropped, the port closes, in-memory state is lost. */
  async goDown(): Promise<void> {
    this.setStopping(true);
    this.core.fire('homeassistant_stop', {}, 'LOCAL', null);
    clearTimeout(this.startingTimer);
    for (const session of this.sessions) session.terminate();
    this.sessions.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.core.forgetRuntimeState();
    await this.core.configEntries.stop();
    this.core.state = 'NOT_RUNNING';
  }

  /**
   * HA starts again on the same port: STARTING, then RUNNING and `homeassistant_started` after
   * `startingMs` (default: the server's option), or when `finishStarting` is called.
   */
  async comeUp(startingMs = this.options.startingMs ?? 50): Promise<void> {
    this.stopping = false;
    this.core.state = 'STARTING';
    await this.listen();
    this.core.configEntries.setUpAll();
    this.startingTimer = setTimeout(() => this.finishStarting(), startingMs);
  }

  /** Ends STARTING now: RUNNING and `homeassistant_started` (once). */
  finishStarting(): void {
    clearTimeout(this.startingTimer);
    if (this.core.state !== 'STARTING') return;
    this.core.state = 'RUNNING';
    this.core.fire('homeassistant_started', {}, 'LOCAL', null);
  }

  async restart(downMs = 20, startingMs?: number): Promise<void> {
    await this.goDown();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.comeUp(startingMs);
  }

  async stop(): Promise<void> {
    await this.goDown();
    this.wss.close();
  }

  private authenticate(token: string): TokenInfo | null {
    this.presentedTokens.push(token);
    const user = this.userFor(token);
    if (user) this.counters.authOk += 1;
    else this.counters.authInvalid += 1;
    return user;
  }

  private userFor(token: string | null): TokenInfo | null {
    const entry = token !== null && !this.tokensRejected ? this.options.tokens[token] : undefined;
    if (!entry) return null;
    const index = Object.keys(this.options.tokens).indexOf(token ?? '');
    return { userId: `user${index}`, userName: entry.name ?? `User ${index}`, isAdmin: entry.isAdmin };
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      const host = {
        core: this.core,
        isStopping: () => this.stopping,
        recordRest: (entry: { method: string; path: string; status: number }) => this.restLog.push(entry),
        restUser: (token: string | null) => {
          if (token !== null) this.presentedTokens.push(token);
          return this.userFor(token);
        },
        recordFailedLogin: () => (this.counters.restUnauthorized += 1),
      };
      void handleRest(host, req, res);
    });
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/api/websocket') {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.counters.connections += 1;
        const session = new WsSession(ws, {
          core: this.core,
          authTimeoutMs: this.options.authTimeoutMs ?? 10_000,
          maxPendingMessages: this.options.maxPendingMessages ?? 4096,
          pendingPeak: this.options.pendingPeak ?? 1024,
          pendingPeakMs: this.options.pendingPeakMs ?? 5000,
          authenticate: (token) => this.authenticate(token),
          countCoalescedFrame: () => (this.counters.coalescedFrames += 1),
        });
        this.sessions.add(session);
        ws.on('close', () => this.sessions.delete(session));
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
