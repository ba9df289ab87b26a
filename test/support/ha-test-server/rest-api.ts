/**
 * The REST API parts the product uses, with core's status codes (components/api/__init__.py,
 * http/view.py, http/ban.py): 401 for a missing, bad or non-admin token (and counted as a failed
 * login), 503 while stopping, 201 for a new state and 200 for an existing one, 400 with HA's
 * messages for bad bodies, entity ids or states.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlowReply } from './config-entries';
import { isValidEntityId, MAX_STATE_LENGTH, type HaCore } from './ha-core';
import type { TokenInfo } from './ws-session';

export interface RestHost {
  readonly core: HaCore;
  /** The user of a valid token, or null. */
  restUser(token: string | null): TokenInfo | null;
  /** http/ban.py process_wrong_login: every 401 counts toward an IP ban. */
  recordFailedLogin(): void;
  isStopping(): boolean;
  recordRest(entry: { method: string; path: string; status: number }): void;
}

const MAX_BODY_BYTES = 1024 * 1024;

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
      }
    });
    req.on('end', () => resolve(text));
    req.on('error', () => resolve(null));
  });
}

function bearer(req: IncomingMessage): string | null {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

export async function handleRest(host: RestHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const answer = (status: number, body: unknown, headers?: Record<string, string>): void => {
    host.recordRest({ method, path, status });
    reply(res, status, body, headers);
  };
  const body = await readBody(req);
  if (host.isStopping()) {
    answer(503, '503: Service Unavailable');
    return;
  }
  const user = host.restUser(bearer(req));
  if (!user) {
    host.recordFailedLogin();
    answer(401, '401: Unauthorized');
    return;
  }
  const { core } = host;
  if (path.startsWith('/api/config/config_entries/')) {
    // components/config/config_entries.py: every view here is require_admin.
    if (!user.isAdmin) {
      host.recordFailedLogin();
      answer(401, '401: Unauthorized');
      return;
    }
    const search = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const reply = await configEntriesRoute(core, method, path, search, body ?? '');
    answer(reply.status, reply.body);
    return;
  }
  if (method === 'GET' && path === '/api/') {
    answer(200, { message: 'API running.' });
    return;
  }
  const stateMatch = /^\/api\/states\/([^/]+)$/.exec(path);
  if (path === '/api/states' && method === 'GET') {
    answer(200, [...core.states.values()]);
    return;
  }
  if (!stateMatch?.[1]) {
    answer(404, '404: Not Found');
    return;
  }
  const entityId = decodeURIComponent(stateMatch[1]);
  if (method === 'GET') {
    const state = core.states.get(entityId);
    if (state) answer(200, state);
    else answer(404, { message: 'Entity not found.' });
    return;
  }
  if (method !== 'POST' && method !== 'DELETE') {
    answer(405, '405: Method Not Allowed');
    return;
  }
  if (!user.isAdmin) {
    host.recordFailedLogin();
    answer(401, '401: Unauthorized');
    return;
  }
  if (method === 'DELETE') {
    if (core.states.delete(entityId)) answer(200, { message: 'Entity removed.' });
    else answer(404, { message: 'Entity not found.' });
    return;
  }
  let data: unknown;
  try {
    data = JSON.parse(body ?? '');
  } catch {
    answer(400, { message: 'Data should be valid JSON.' });
    return;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    answer(400, { message: 'State data should be a JSON object.' });
    return;
  }
  const { state, attributes } = data as { state?: unknown; attributes?: unknown };
  if (state === undefined) {
    answer(400, { message: 'No state attribute specified.' });
    return;
  }
  if (!isValidEntityId(entityId)) {
    answer(400, { message: 'Invalid entity ID specified.' });
    return;
  }
  // cv.string: scalars are accepted as text, anything else is not a state.
  const stateText =
    typeof state === 'string' || typeof state === 'number' || typeof state === 'boolean'
      ? String(state)
      : null;
  if (stateText === null || stateText.length > MAX_STATE_LENGTH) {
    answer(400, { message: 'Invalid state specified.' });
    return;
  }
  const attrs =
    typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>) : {};
  const created = core.setState(entityId, stateText, attrs, user.userId);
  answer(created ? 201 : 200, core.states.get(entityId), { location: `/api/states/${entityId}` });
}

/** /api/config/config_entries/…: entries, reload, config flows and options flows. */
async function configEntriesRoute(
  core: HaCore,
  method: string,
  path: string,
  search: URLSearchParams,
  body: string,
): Promise<FlowReply> {
  const entries = core.configEntries;
  const rest = path.slice('/api/config/config_entries/'.length);
  const json = (): Record<string, unknown> | null => {
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
  if (method === 'GET' && rest === 'entry')
    return { status: 200, body: entries.listEntries(search.get('domain')) };
  const reload = /^entry\/([^/]+)\/reload$/.exec(rest);
  if (method === 'POST' && reload?.[1]) return entries.reload(reload[1]);
  const start = /^(options\/)?flow$/.exec(rest);
  if (start && method === 'POST') {
    const payload = json();
    if (!payload) return { status: 400, body: { message: 'Invalid JSON.' } };
    return start[1] ? entries.startOptionsFlow(payload) : entries.startConfigFlow(payload);
  }
  const step = /^(options\/)?flow\/([^/]+)$/.exec(rest);
  if (step?.[2]) {
    const kind = step[1] ? 'options' : 'config';
    if (method === 'GET') return entries.showFlow(kind, step[2]);
    if (method === 'DELETE') return entries.abortFlow(kind, step[2]);
    if (method === 'POST') {
      let input: unknown;
      try {
        input = JSON.parse(body || '{}');
      } catch {
        return { status: 400, body: { message: 'Invalid JSON.' } };
      }
      return entries.submit(kind, step[2], input);
    }
  }
  return { status: 404, body: '404: Not Found' };
}
