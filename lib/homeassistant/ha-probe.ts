/**
 * "Test connection" for a Home Assistant dialog: one WebSocket handshake and auth with the given
 * token, the version HA reports, one `auth/current_user` to learn whether the token's user is an
 * administrator (hik guard's link needs one, see ha-connection.ts), then close. A refused token is
 * reported, never retried. The answer names a problem by code; the dialog words it.
 */
import type { WebSocket } from 'undici';
import { HaCommandError, HaNotAdminError, HaTimeoutError, HaUnreachableError, HikError } from '../errors';
import { undici } from '../heavy-dependencies';
import { parseHaEndpoint } from './ha-endpoint';
import { openHaSocket } from './ha-socket';

export interface HaProbeResult {
  /** True only when Home Assistant accepted the token and its user is an administrator. */
  connected: boolean;
  /** The version Home Assistant reported once it accepted the token (also with HIK_ERR_HA_NOT_ADMIN). */
  haVersion: string | null;
  /**
   * Error code when not connected: `HIK_ERR_HA_AUTH_INVALID` (token refused),
   * `HIK_ERR_HA_NOT_ADMIN` (token accepted, user not an administrator), `HIK_ERR_HA_UNREACHABLE`,
   * `HIK_ERR_HA_TIMEOUT`, …
   */
  problem: string | null;
}

export interface HaProbeInput {
  url: string;
  token: string;
  verifyTls?: boolean | undefined;
  ca?: string | null | undefined;
  timeoutMs?: number | undefined;
}

/** Above the ids ha-socket uses (1: supported_features). */
const CURRENT_USER_ID = 2;

export async function probeHomeAssistant(input: HaProbeInput): Promise<HaProbeResult> {
  const { wsUrl } = parseHaEndpoint(input.url);
  const timeoutMs = input.timeoutMs ?? 5_000;
  const dispatcher = new (undici().Agent)({
    connect: {
      rejectUnauthorized: input.verifyTls ?? true,
      ...(input.ca ? { ca: input.ca } : {}),
    },
  });
  const abort = new AbortController();
  let haVersion: string | null = null;
  try {
    const socket = await openHaSocket({ wsUrl, token: input.token, dispatcher, timeoutMs }, abort.signal);
    haVersion = socket.haVersion;
    try {
      const isAdmin = await askIsAdmin(socket as unknown as WebSocket, timeoutMs);
      if (!isAdmin) throw new HaNotAdminError();
    } finally {
      socket.close();
    }
    return { connected: true, haVersion, problem: null };
  } catch (err) {
    if (!HikError.isHikError(err)) throw err;
    return { connected: false, haVersion, problem: err.code };
  } finally {
    abort.abort();
    await dispatcher.close();
  }
}

/** `auth/current_user` on an authenticated socket: whether the token's user is an administrator. */
function askIsAdmin(socket: WebSocket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const finish = (outcome: { isAdmin: boolean } | HikError): void => {
      clearTimeout(timer);
      socket.removeEventListener('message', onMessage);
      socket.removeEventListener('close', onClose);
      if (outcome instanceof HikError) reject(outcome);
      else resolve(outcome.isAdmin);
    };
    const onMessage = (event: { data: unknown }): void => {
      // With coalescing on, Home Assistant may send several messages as one array.
      for (const message of messagesOf(event.data)) {
        if (message.id !== CURRENT_USER_ID || message.type !== 'result') continue;
        if (message.success === true) {
          const user = message.result as { is_admin?: unknown } | null | undefined;
          finish({ isAdmin: user?.is_admin === true });
        } else {
          const error = (message.error ?? {}) as { code?: unknown; message?: unknown };
          const code = typeof error.code === 'string' ? error.code : 'unknown';
          const text = typeof error.message === 'string' ? error.message.slice(0, 200) : '';
          finish(new HaCommandError(code, text));
        }
        return;
      }
    };
    const onClose = (): void => {
      finish(new HaUnreachableError('Home Assistant closed the connection after auth'));
    };
    const timer = setTimeout(() => finish(new HaTimeoutError('response', timeoutMs)), timeoutMs);
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', onClose);
    socket.send(JSON.stringify({ id: CURRENT_USER_ID, type: 'auth/current_user' }));
  });
}

function messagesOf(data: unknown): Record<string, unknown>[] {
  if (typeof data !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(data);
    const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
  } catch {
    return []; // not JSON: not the answer we wait for
  }
}
