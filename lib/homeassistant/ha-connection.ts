/**
 * The WebSocket side of one Home Assistant link: home-assistant-js-websocket's `Connection` over
 * our own socket factory. Our factory retries with capped, jittered back-off; the library's own
 * reconnect loop only ever sees success or a fatal rejection, which it gets as ERR_INVALID_AUTH:
 * the one value that stops it without scheduling another timer. So a bad token costs exactly one
 * auth attempt, and `close()` leaves no timer or socket behind.
 */
import type { Connection, HaWebSocket, MessageBase } from 'home-assistant-js-websocket';
import type { Dispatcher } from 'undici';
import {
  HaAuthInvalidError,
  HaConnectionLostError,
  HaLinkClosedError,
  HaNotAdminError,
  HaTimeoutError,
  type HikError,
} from '../errors';
import { homeAssistantWebSocket } from '../heavy-dependencies';
import { CappedBackoff } from './backoff';
import { toHaError } from './ha-error';
import { openHaSocket } from './ha-socket';

export type HaConnectionStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly attempt: number; readonly lastError: HikError | null }
  | { readonly kind: 'connected'; readonly haVersion: string }
  | { readonly kind: 'auth_failed'; readonly error: HikError }
  | { readonly kind: 'closed' };

export interface HaConnectionOptions {
  readonly wsUrl: string;
  readonly token: string;
  readonly dispatcher: Dispatcher;
  readonly backoff: CappedBackoff;
  /** Handshake plus auth phase, ms. */
  readonly handshakeTimeoutMs: number;
  /** Limit for the answer to one command, ms. */
  readonly commandTimeoutMs: number;
}

interface HaEvents {
  status: (status: HaConnectionStatus) => void;
  /** Connected, authenticated as an admin: (re)publish everything. */
  ready: () => void;
  /** HA reported `homeassistant_started`: states set before it may be gone. */
  started: () => void;
}

function isFatal(error: HikError): boolean {
  return error instanceof HaAuthInvalidError || error instanceof HaLinkClosedError;
}

export class HaConnection {
  private readonly abort = new AbortController();
  private readonly listeners: { [K in keyof HaEvents]: Set<HaEvents[K]> } = {
    status: new Set(),
    ready: new Set(),
    started: new Set(),
  };
  private connection: Connection | null = null;
  private current: HaConnectionStatus = { kind: 'idle' };
  private fatal: HikError | null = null;
  private subscribedToStart = false;

  constructor(private readonly options: HaConnectionOptions) {}

  get status(): HaConnectionStatus {
    return this.current;
  }

  on<K extends keyof HaEvents>(event: K, listener: HaEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Starts connecting in the background; problems surface as status, never as a rejection. */
  start(): void {
    if (this.current.kind !== 'idle') return;
    this.setStatus({ kind: 'connecting', attempt: 0, lastError: null });
    void this.openWithRetry().then(
      (socket) => {
        if (this.abort.signal.aborted) {
          socket.close();
          return;
        }
        this.connection = new (homeAssistantWebSocket().Connection)(socket, {
          setupRetry: 0,
          createSocket: () => this.reopen(),
        });
        this.connection.addEventListener('ready', () => void this.onReady());
        this.connection.addEventListener('disconnected', () => {
          this.setStatus({ kind: 'connecting', attempt: 0, lastError: new HaConnectionLostError() });
        });
        this.connection.addEventListener('reconnect-error', () => this.fail(this.fatal));
        // The constructor fired the first 'ready' before we could listen.
        void this.onReady();
      },
      (err: unknown) => this.fail(toHaError(err)),
    );
  }

  /** Sends one command once connected as an admin; rejects with a typed HikError. */
  async send<T>(message: MessageBase): Promise<T> {
    const connection = this.connection;
    if (!connection || this.current.kind !== 'connected') throw new HaConnectionLostError();
    return this.command<T>(connection, message);
  }

  /** Stops reconnecting and closes the socket, waiting at most `timeoutMs` for a clean close. */
  async close(timeoutMs: number): Promise<void> {
    if (this.current.kind === 'closed') return;
    this.abort.abort();
    const socket = this.connection?.socket;
    this.connection?.close();
    this.connection = null;
    this.setStatus({ kind: 'closed' });
    if (!socket || socket.readyState === socket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      socket.addEventListener('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async openWithRetry(): Promise<HaWebSocket> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await openHaSocket(
          {
            wsUrl: this.options.wsUrl,
            token: this.options.token,
            dispatcher: this.options.dispatcher,
            timeoutMs: this.options.handshakeTimeoutMs,
          },
          this.abort.signal,
        );
      } catch (err: unknown) {
        const error = toHaError(err);
        if (isFatal(error)) throw error;
        this.setStatus({ kind: 'connecting', attempt: attempt + 1, lastError: error });
        await this.wait(this.options.backoff.delayMs(attempt));
      }
    }
  }

  /** The library's createSocket: every rejection it sees is fatal (see the file comment). */
  private async reopen(): Promise<HaWebSocket> {
    try {
      return await this.openWithRetry();
    } catch (err: unknown) {
      this.fatal = toHaError(err);
      // The library compares with the bare number to stop reconnecting; an Error would not match.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw homeAssistantWebSocket().ERR_INVALID_AUTH;
    }
  }

  private wait(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new HaLinkClosedError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async onReady(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    try {
      // Events and states need an admin; a non-admin token on REST would count as a failed login.
      const user = await this.command<{ is_admin?: unknown }>(connection, { type: 'auth/current_user' });
      if (user.is_admin !== true) {
        this.fail(new HaNotAdminError());
        return;
      }
      if (!this.subscribedToStart) {
        this.subscribedToStart = true;
        // The library re-subscribes after each reconnect by itself.
        await connection.subscribeEvents(() => this.emit('started'), 'homeassistant_started');
      }
    } catch (err: unknown) {
      // Only a drop can interrupt these two commands; the reconnect runs this again.
      this.setStatus({ kind: 'connecting', attempt: 0, lastError: toHaError(err) });
      return;
    }
    this.setStatus({ kind: 'connected', haVersion: connection.haVersion });
    this.emit('ready');
  }

  private async command<T>(connection: Connection, message: MessageBase): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new HaTimeoutError('response', this.options.commandTimeoutMs));
      }, this.options.commandTimeoutMs);
    });
    try {
      return await Promise.race([connection.sendMessagePromise<T>(message), timeout]);
    } catch (err: unknown) {
      // A socket that stopped answering must not keep taking retries: Home Assistant would run
      // every copy once it catches up (one alert, many events). A fresh socket gets one re-send.
      if (err instanceof HaTimeoutError && this.connection === connection) connection.reconnect(true);
      throw toHaError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the link for good (bad token, non-admin user): no reconnect, status `auth_failed`. */
  fail(error: HikError | null): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.connection?.close();
    this.connection = null;
    this.setStatus({ kind: 'auth_failed', error: error ?? new HaAuthInvalidError() });
  }

  private setStatus(status: HaConnectionStatus): void {
    if (this.current.kind === 'closed' || this.current.kind === 'auth_failed') return;
    this.current = status;
    for (const listener of this.listeners.status) listener(status);
  }

  private emit(event: 'ready' | 'started'): void {
    for (const listener of this.listeners[event]) listener();
  }
}
