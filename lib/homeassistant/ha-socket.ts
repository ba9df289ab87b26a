/**
 * One attempt at an authenticated Home Assistant WebSocket, built on undici's WebSocket (Node 20
 * has no global one). This is the `createSocket` contract of home-assistant-js-websocket: the
 * socket it resolves has completed `auth_ok`, carries `haVersion`, and has asked for coalesced
 * messages (id 1) when HA is new enough. One timer bounds the handshake and the auth phase, so a
 * half-open connection cannot leave us "connecting" forever.
 */
import type { HaWebSocket } from 'home-assistant-js-websocket';
import type { Dispatcher } from 'undici';
import {
  HaAuthInvalidError,
  HaLinkClosedError,
  HaTimeoutError,
  HaUnreachableError,
  type HikError,
} from '../errors';
import { undici } from '../heavy-dependencies';

export interface HaSocketOptions {
  readonly wsUrl: string;
  readonly token: string;
  readonly dispatcher: Dispatcher;
  /** Limit for the WebSocket handshake plus the auth phase, in ms. */
  readonly timeoutMs: number;
}

/** `supported_features` exists from HA 2022.9 on (as in the library's own createSocket). */
export function supportsCoalescing(haVersion: string): boolean {
  const [year = 0, month = 0] = haVersion.split('.').map((part) => Number.parseInt(part, 10));
  return year > 2022 || (year === 2022 && month >= 9);
}

interface AuthPhaseMessage {
  type?: unknown;
  ha_version?: unknown;
}

function parse(data: unknown): AuthPhaseMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const message: unknown = JSON.parse(data);
    return typeof message === 'object' && message !== null ? message : null;
  } catch {
    return null; // not JSON: treated like any unexpected message in the auth phase
  }
}

export function openHaSocket(options: HaSocketOptions, signal: AbortSignal): Promise<HaWebSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new HaLinkClosedError());
      return;
    }
    const socket = new (undici().WebSocket)(options.wsUrl, { dispatcher: options.dispatcher });
    let opened = false;
    let settled = false;

    const finish = (error: HikError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('message', onMessage);
      socket.removeEventListener('close', onClose);
      if (error) {
        socket.close();
        reject(error);
      } else {
        resolve(socket as unknown as HaWebSocket);
      }
    };
    const onOpen = (): void => {
      opened = true;
    };
    const onMessage = (event: { data: unknown }): void => {
      const message = parse(event.data);
      switch (message?.type) {
        case 'auth_required':
          socket.send(JSON.stringify({ type: 'auth', access_token: options.token }));
          return;
        case 'auth_invalid':
          finish(new HaAuthInvalidError());
          return;
        case 'auth_ok': {
          const haVersion = typeof message.ha_version === 'string' ? message.ha_version : '';
          Object.assign(socket, { haVersion });
          if (supportsCoalescing(haVersion)) {
            socket.send(
              JSON.stringify({ id: 1, type: 'supported_features', features: { coalesce_messages: 1 } }),
            );
          }
          finish(null);
          return;
        }
        default:
          finish(new HaUnreachableError('Home Assistant sent an unexpected message during auth'));
      }
    };
    const onClose = (): void => {
      finish(
        new HaUnreachableError(
          opened ? 'Home Assistant closed the connection during auth' : 'cannot connect to Home Assistant',
        ),
      );
    };
    const onAbort = (): void => {
      finish(new HaLinkClosedError());
    };
    const timer = setTimeout(() => {
      finish(new HaTimeoutError(opened ? 'auth' : 'handshake', options.timeoutMs));
    }, options.timeoutMs);

    socket.addEventListener('open', onOpen);
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', onClose);
    // 'error' is always followed by 'close', which settles; nothing to do on it alone.
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
