/**
 * Diagnostics without code changes: `NODE_DEBUG=hik-guard` makes lib/ trace what it does (ISAPI
 * exchanges, the auth scheme chosen, login-guard refusals, SADP datagrams dropped) to stderr
 * through `util.debuglog`; otherwise a trace costs one boolean check. Callers pass only facts
 * that are safe to print: never a password, a credential, an Authorization value or a body.
 *
 *   HIK-GUARD 4242: isapi GET /ISAPI/System/deviceInfo host=127.0.0.1:8080 status=200 auth=digest ms=3
 */
import { debuglog } from 'node:util';

export type TraceFields = Record<string, string | number | boolean | null>;

const log = debuglog('hik-guard');

/**
 * Whether traces are printed: a hot path (a thousand exchanges or datagrams a minute) asks first,
 * so that building a trace's message and fields costs nothing when nobody reads it.
 */
export function tracing(): boolean {
  return log.enabled;
}

/** One line: the area (`isapi`, `login-guard`, `sadp`), what happened, then `key=value` fields. */
export function trace(area: string, message: string, fields: TraceFields = {}): void {
  if (!log.enabled) return;
  const pairs = Object.entries(fields).map(([key, value]) => `${key}=${formatValue(value)}`);
  log('%s', [area, message, ...pairs].join(' '));
}

/** Values with spaces, quotes or `=` are quoted so a line still splits into its fields. */
function formatValue(value: string | number | boolean | null): string {
  if (typeof value !== 'string') return String(value);
  return value === '' || /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}
