/**
 * The Home Assistant test server keeps the protocol rules the real one does (so tests against it
 * mean something): checked here with a bare `ws` client and plain HTTP.
 */
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { HaTestServer } from './ha-test-server';

const ADMIN = 'admin-token';
const USER = 'user-token';

type Frame = Record<string, unknown> | Record<string, unknown>[];

class RawClient {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(`ws${url.slice(4)}/api/websocket`);
    this.ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    this.ws.on('close', () => (this.closed = true));
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async next(): Promise<Frame> {
    await until(() => this.frames.length > 0 || this.closed);
    const frame = this.frames.shift();
    if (!frame) throw new Error('connection closed');
    return frame;
  }

  async authenticated(token: string): Promise<void> {
    await this.next(); // auth_required
    this.send({ type: 'auth', access_token: token });
    assert.equal(((await this.next()) as Record<string, unknown>).type, 'auth_ok');
  }

  close(): void {
    this.ws.terminate();
  }
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Home Assistant test server', function () {
  this.timeout(10000);
  let server: HaTestServer;
  const clients: RawClient[] = [];

  beforeEach(async () => {
    server = await HaTestServer.start({
      tokens: { [ADMIN]: { isAdmin: true }, [USER]: { isAdmin: false } },
      authTimeoutMs: 100,
      haVersion: '2024.6.1',
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop();
  });

  function client(): RawClient {
    const c = new RawClient(server.url);
    clients.push(c);
    return c;
  }

  function rest(
    path: string,
    init: { method?: string; token?: string | null; body?: string } = {},
  ): Promise<Response> {
    const token = init.token === undefined ? ADMIN : init.token;
    return fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  }

  it('listens on 127.0.0.1 only', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('opens with auth_required and the version, answers a good token with auth_ok', async () => {
    const c = client();
    assert.deepEqual(await c.next(), { type: 'auth_required', ha_version: '2024.6.1' });
    c.send({ type: 'auth', access_token: ADMIN });
    assert.deepEqual(await c.next(), { type: 'auth_ok', ha_version: '2024.6.1' });
  });

  it('answers a bad token with auth_invalid and disconnects', async () => {
    const c = client();
    await c.next();
    c.send({ type: 'auth', access_token: 'wrong' });
    assert.deepEqual(await c.next(), { type: 'auth_invalid', message: 'Invalid access token or password' });
    await until(() => c.closed);
    assert.equal(server.counters.authInvalid, 1);
  });

  it('disconnects a client that sends no auth message within the auth timeout', async () => {
    const c = client();
    await c.next();
    await until(() => c.closed);
    assert.equal(server.counters.authOk + server.counters.authInvalid, 0);
  });

  it('insists on strictly increasing ids and well-formed messages', async () => {
    const c = client();
    await c.authenticated(ADMIN);
    c.send({ id: 5, type: 'ping' });
    assert.deepEqual(await c.next(), { id: 5, type: 'pong' });
    c.send({ id: 5, type: 'ping' });
    assert.deepEqual(await c.next(), {
      id: 5,
      type: 'result',
      success: false,
      error: { code: 'id_reuse', message: 'Identifier values have to increase.' },
    });
    c.send({ type: 'ping' });
    assert.deepEqual(((await c.next()) as Record<string, unknown>).error, {
      code: 'invalid_format',
      message: 'Message incorrectly formatted.',
    });
    c.send({ id: 6, type: 'no/such' });
    assert.deepEqual(((await c.next()) as Record<string, unknown>).error, {
      code: 'unknown_command',
      message: 'Unknown command.',
    });
  });

  it('coalesces queued answers into one array frame once asked, and takes array frames', async () => {
    const c = client();
    await c.authenticated(ADMIN);
    c.send({ id: 1, type: 'supported_features', features: { coalesce_messages: 1 } });
    assert.deepEqual(await c.next(), { id: 1, type: 'result', success: true, result: null });
    c.send([
      { id: 2, type: 'ping' },
      { id: 3, type: 'ping' },
    ]);
    assert.deepEqual(await c.next(), [
      { id: 2, type: 'pong' },
      { id: 3, type: 'pong' },
    ]);
    assert.equal(server.counters.coalescedFrames, 1);
  });

  it('keeps fire_event for admins and limits what non-admins subscribe to', async () => {
    const c = client();
    await c.authenticated(USER);
    c.send({ id: 2, type: 'fire_event', event_type: 'hik_guard_event', event_data: {} });
    assert.deepEqual(((await c.next()) as Record<string, unknown>).error, {
      code: 'unauthorized',
      message: 'Unauthorized',
    });
    c.send({ id: 3, type: 'subscribe_events' });
    assert.deepEqual(((await c.next()) as Record<string, unknown>).error, {
      code: 'unauthorized',
      message: 'Unauthorized',
    });
    c.send({ id: 4, type: 'subscribe_events', event_type: 'homeassistant_started' });
    assert.equal(((await c.next()) as Record<string, unknown>).success, true);
    assert.equal(server.core.firedEvents.length, 0);
  });

  it('delivers subscribed events in event envelopes and answers unknown services with not_found', async () => {
    const c = client();
    await c.authenticated(ADMIN);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'hik_guard_event' });
    await c.next();
    c.send({ id: 3, type: 'fire_event', event_type: 'hik_guard_event', event_data: { type: 'inactive' } });
    const frames = [await c.next(), await c.next()] as Record<string, unknown>[];
    const event = frames.find((f) => f.type === 'event');
    assert.equal(event?.id, 2);
    assert.deepEqual((event.event as Record<string, unknown>).data, { type: 'inactive' });
    c.send({
      id: 4,
      type: 'call_service',
      domain: 'notify',
      service: 'nobody',
      service_data: { message: 'x' },
    });
    assert.deepEqual(((await c.next()) as Record<string, unknown>).error, {
      code: 'not_found',
      message: 'Service notify.nobody not found.',
    });
  });

  it('answers REST like HA: 401 without a valid admin token, 201 then 200, 400 for bad input', async () => {
    assert.equal((await rest('/api/', { token: null })).status, 401);
    const post = (id: string, body: string, token?: string): Promise<Response> =>
      rest(`/api/states/${id}`, { method: 'POST', body, ...(token ? { token } : {}) });
    assert.equal((await post('sensor.hik_guard_a1', '{"state":"active"}', USER)).status, 401);
    assert.equal((await post('sensor.hik_guard_a1', '{"state":"active"}')).status, 201);
    const again = await post('sensor.hik_guard_a1', '{"state":"inactive"}');
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { state: string }).state, 'inactive');
    assert.deepEqual(await (await post('sensor.hik_guard__a1', '{"state":"x"}')).json(), {
      message: 'Invalid entity ID specified.',
    });
    assert.deepEqual(await (await post('sensor.a', '{}')).json(), {
      message: 'No state attribute specified.',
    });
    assert.equal((await post('sensor.a', 'not json')).status, 400);
    assert.equal((await post('sensor.a', JSON.stringify({ state: 'x'.repeat(256) }))).status, 400);
    assert.equal(server.counters.restUnauthorized, 2);
  });

  it('answers 503 while stopping, and forgets REST states and notifications over a restart', async () => {
    await rest('/api/states/sensor.a', { method: 'POST', body: '{"state":"on"}' });
    server.setStopping(true);
    assert.equal((await rest('/api/states/sensor.a')).status, 503);
    server.setStopping(false);
    await server.restart();
    assert.equal((await rest('/api/states/sensor.a')).status, 404);
  });

  it('fires homeassistant_started once RUNNING after a restart', async () => {
    await server.restart();
    const c = client();
    await c.authenticated(ADMIN);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'homeassistant_started' });
    await c.next();
    const event = (await c.next()) as Record<string, unknown>;
    assert.equal((event.event as Record<string, unknown>).event_type, 'homeassistant_started');
    c.send({ id: 3, type: 'get_config' });
    assert.equal(
      (((await c.next()) as Record<string, unknown>).result as Record<string, unknown>).state,
      'RUNNING',
    );
  });
});
