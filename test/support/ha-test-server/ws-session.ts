/**
 * One WebSocket client of the test server, as core's websocket_api/http.py and connection.py
 * treat it: `auth_required`, then exactly one `auth` message within the auth timeout (10 s by
 * default), then commands with strictly increasing integer ids, answered through a writer that
 * coalesces queued messages into one JSON array frame once the client asked for it. A client that
 * does not read (`stopReading`) is dropped like core's `_check_write_peak` does: when its queue
 * stays at the peak for the peak time, or at once past the hard limit.
 */
import type { RawData, WebSocket } from 'ws';
import { handleCommand } from './ws-commands';
import type { HaCore } from './ha-core';

export interface TokenInfo {
  readonly userId: string;
  readonly userName: string;
  readonly isAdmin: boolean;
}

export interface SessionHost {
  readonly core: HaCore;
  readonly authTimeoutMs: number;
  /** Hard limit of queued messages (core: MAX_PENDING_MSG). */
  readonly maxPendingMessages: number;
  /** core: PENDING_MSG_PEAK (1024) and PENDING_MSG_PEAK_TIME (5 s). */
  readonly pendingPeak: number;
  readonly pendingPeakMs: number;
  /** The user of a valid token, or null. Counts the attempt. */
  authenticate(token: string): TokenInfo | null;
  /** Counts array frames sent (coalescing at work). */
  countCoalescedFrame(): void;
}

export type Outbound = Record<string, unknown>;

export class WsSession {
  user: TokenInfo | null = null;
  canCoalesce = false;
  /** Subscription id -> unsubscribe. */
  readonly subscriptions = new Map<number, () => void>();
  private lastId = 0;
  private outbox: Outbound[] = [];
  private flushScheduled = false;
  private closed = false;
  private slow = false;
  private peakTimer: NodeJS.Timeout | undefined;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly host: SessionHost,
  ) {
    this.send({ type: 'auth_required', ha_version: host.core.version });
    this.authTimer = setTimeout(() => this.close(), host.authTimeoutMs);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.close());
  }

  send(message: Outbound): void {
    if (this.closed) return;
    this.outbox.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  result(id: number, result: unknown): void {
    this.send({ id, type: 'result', success: true, result });
  }

  error(id: number | null, code: string, message: string): void {
    this.send({ id, type: 'result', success: false, error: { code, message } });
  }

  /** From now on this client reads nothing (its messages only pile up). */
  stopReading(): void {
    this.slow = true;
  }

  close(): void {
    if (this.closed) return;
    this.ws.close();
    this.dispose();
  }

  /** Terminates without a close handshake (HA process going away). */
  terminate(): void {
    this.ws.terminate();
    this.dispose();
  }

  private dispose(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.peakTimer);
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    this.outbox = [];
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    if (this.slow) {
      if (this.outbox.length > this.host.maxPendingMessages) this.close();
      else if (this.outbox.length >= this.host.pendingPeak)
        this.peakTimer ??= setTimeout(() => this.checkPeak(), this.host.pendingPeakMs);
      return;
    }
    const messages = this.outbox;
    this.outbox = [];
    if (this.canCoalesce && messages.length > 1) {
      this.host.countCoalescedFrame();
      this.ws.send(JSON.stringify(messages));
    } else {
      for (const message of messages) this.ws.send(JSON.stringify(message));
    }
  }

  private checkPeak(): void {
    this.peakTimer = undefined;
    // "Client unable to keep up with pending messages. Stayed over … for … seconds."
    if (this.outbox.length >= this.host.pendingPeak) this.close();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.close();
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(
        (Buffer.isBuffer(data)
          ? data
          : Array.isArray(data)
            ? Buffer.concat(data)
            : Buffer.from(data)
        ).toString('utf8'),
      );
    } catch {
      this.close(); // invalid JSON: HA disconnects
      return;
    }
    if (this.user === null) this.onAuth(message);
    else if (Array.isArray(message)) for (const item of message) this.onCommand(item);
    else this.onCommand(message);
  }

  private onAuth(message: unknown): void {
    clearTimeout(this.authTimer);
    const record =
      typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    if (record.type !== 'auth' || typeof record.access_token !== 'string') {
      this.send({
        type: 'auth_invalid',
        message: "Auth message incorrectly formatted: required key not provided @ data['type']",
      });
      this.closeAfterFlush();
      return;
    }
    const user = this.host.authenticate(record.access_token);
    if (!user) {
      this.send({ type: 'auth_invalid', message: 'Invalid access token or password' });
      this.closeAfterFlush();
      return;
    }
    this.user = user;
    this.send({ type: 'auth_ok', ha_version: this.host.core.version });
  }

  private closeAfterFlush(): void {
    setImmediate(() => setImmediate(() => this.close()));
  }

  private onCommand(message: unknown): void {
    const record =
      typeof message === 'object' && message !== null && !Array.isArray(message)
        ? (message as Record<string, unknown>)
        : null;
    const id = record?.id;
    if (
      !record ||
      typeof id !== 'number' ||
      !Number.isInteger(id) ||
      id < 1 ||
      typeof record.type !== 'string'
    ) {
      this.error(typeof id === 'number' ? id : null, 'invalid_format', 'Message incorrectly formatted.');
      return;
    }
    if (id <= this.lastId) {
      this.error(id, 'id_reuse', 'Identifier values have to increase.');
      return;
    }
    this.lastId = id;
    handleCommand(this, id, record.type, record);
  }
}
