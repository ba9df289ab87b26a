/**
 * home-assistant-js-websocket rejects with bare numbers (ERR_CANNOT_CONNECT…), with HA's plain
 * `{code, message}` error objects, or with a `{type: 'result', error}` envelope for a lost
 * connection. `toHaError` turns any of them into a typed HikError so callers match on `code`.
 */
import {
  HaAuthInvalidError,
  HaCommandError,
  HaConnectionLostError,
  HaUnreachableError,
  HikError,
  InvalidArgumentError,
} from '../errors';
import { homeAssistantWebSocket } from '../heavy-dependencies';

function fromLibraryCode(code: number): HikError {
  // Only the library produces these codes, so it is loaded by the time one arrives.
  const { ERR_CANNOT_CONNECT, ERR_CONNECTION_LOST, ERR_INVALID_AUTH } = homeAssistantWebSocket();
  switch (code) {
    case ERR_CANNOT_CONNECT:
      return new HaUnreachableError('cannot connect to Home Assistant');
    case ERR_INVALID_AUTH:
      return new HaAuthInvalidError();
    case ERR_CONNECTION_LOST:
      return new HaConnectionLostError();
    default:
      // 4-6 are browser OAuth set-up errors (no host, https->http, auth callback): a wrong config.
      return new InvalidArgumentError(`home-assistant-js-websocket error ${code}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Bounded, so a hostile server cannot put megabytes into our logs. */
function shortText(value: unknown): string {
  const text =
    typeof value === 'string' ? value : ((JSON.stringify(value) as string | undefined) ?? typeof value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function toHaError(value: unknown): HikError {
  if (HikError.isHikError(value)) return value;
  if (typeof value === 'number') return fromLibraryCode(value);
  if (isRecord(value)) {
    const inner = isRecord(value.error) ? value.error : value;
    if (typeof inner.code === 'number') return fromLibraryCode(inner.code);
    if (typeof inner.code === 'string') return new HaCommandError(inner.code, shortText(inner.message ?? ''));
  }
  if (value instanceof Error) return new HikError(shortText(value.message), { cause: value });
  return new HikError(`unexpected rejection from Home Assistant: ${shortText(value)}`);
}
