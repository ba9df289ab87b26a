/**
 * Where a Home Assistant lives: its base URL checked once, and the WebSocket and REST URLs derived
 * from it (`http` -> `ws`, `https` -> `wss`, plus `/api/websocket`).
 */
import { InvalidArgumentError } from '../errors';

export interface HaEndpoint {
  /** Base URL without a trailing slash, e.g. `http://homeassistant.local:8123`. */
  readonly baseUrl: string;
  readonly wsUrl: string;
}

export function parseHaEndpoint(url: string): HaEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new InvalidArgumentError('url must be an http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError('url must start with http:// or https://');
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new InvalidArgumentError('url must not hold a user, password, query or fragment');
  }
  const baseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  return { baseUrl, wsUrl: `ws${baseUrl.slice(4)}/api/websocket` };
}
