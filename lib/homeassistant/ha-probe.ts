/**
 * "Test connection" for a Home Assistant dialog: one WebSocket handshake and auth with the given
 * token, the version HA reports, then close. A refused token is reported, never retried.
 */
import { Agent } from 'undici';
import { HikError } from '../errors';
import { parseHaEndpoint } from './ha-endpoint';
import { openHaSocket } from './ha-socket';

export interface HaProbeResult {
  connected: boolean;
  haVersion: string | null;
  /** Error code when not connected (`HIK_ERR_HA_AUTH_INVALID`, `HIK_ERR_HA_UNREACHABLE`, …). */
  problem: string | null;
}

export interface HaProbeInput {
  url: string;
  token: string;
  verifyTls?: boolean | undefined;
  ca?: string | null | undefined;
  timeoutMs?: number | undefined;
}

export async function probeHomeAssistant(input: HaProbeInput): Promise<HaProbeResult> {
  const { wsUrl } = parseHaEndpoint(input.url);
  const dispatcher = new Agent({
    connect: {
      rejectUnauthorized: input.verifyTls ?? true,
      ...(input.ca ? { ca: input.ca } : {}),
    },
  });
  const abort = new AbortController();
  try {
    const socket = await openHaSocket(
      { wsUrl, token: input.token, dispatcher, timeoutMs: input.timeoutMs ?? 5_000 },
      abort.signal,
    );
    const haVersion = socket.haVersion;
    socket.close();
    return { connected: true, haVersion, problem: null };
  } catch (err) {
    if (!HikError.isHikError(err)) throw err;
    return { connected: false, haVersion: null, problem: err.code };
  } finally {
    abort.abort();
    await dispatcher.close();
  }
}
