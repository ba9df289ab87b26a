import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { WebSocketServer } from 'ws';
import { openHaSocket, supportsCoalescing } from '../../../lib/homeassistant/ha-socket';
import { HaTestServer } from '../../support/ha-test-server';
import { ADMIN_TOKEN } from './support';

describe('openHaSocket (one authenticated WebSocket over undici)', function () {
  this.timeout(5000);
  const agent = new Agent();
  after(() => agent.close());

  it('asks for coalescing only from HA 2022.9 on', () => {
    assert.equal(supportsCoalescing('2022.9.0'), true);
    assert.equal(supportsCoalescing('2025.1.3'), true);
    assert.equal(supportsCoalescing('2022.8.7'), false);
    assert.equal(supportsCoalescing('0.118.5'), false);
    assert.equal(supportsCoalescing(''), false);
  });

  it('gives up on a TCP peer that never completes the WebSocket handshake', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      await assert.rejects(
        openHaSocket(
          {
            wsUrl: `ws://127.0.0.1:${port}/api/websocket`,
            token: ADMIN_TOKEN,
            dispatcher: agent,
            timeoutMs: 100,
          },
          new AbortController().signal,
        ),
        { code: 'HIK_ERR_HA_TIMEOUT', phase: 'handshake' },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('gives up on a server that accepts the WebSocket but never starts the auth phase', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    try {
      const { port } = wss.address() as AddressInfo;
      await assert.rejects(
        openHaSocket(
          {
            wsUrl: `ws://127.0.0.1:${port}/api/websocket`,
            token: ADMIN_TOKEN,
            dispatcher: agent,
            timeoutMs: 100,
          },
          new AbortController().signal,
        ),
        { code: 'HIK_ERR_HA_TIMEOUT', phase: 'auth' },
      );
    } finally {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('rejects with HIK_ERR_HA_AUTH_INVALID on auth_invalid and with HIK_ERR_HA_CLOSED when aborted', async () => {
    const server = await HaTestServer.start({ tokens: { [ADMIN_TOKEN]: { isAdmin: true } } });
    try {
      const wsUrl = `ws${server.url.slice(4)}/api/websocket`;
      await assert.rejects(
        openHaSocket(
          { wsUrl, token: 'nope', dispatcher: agent, timeoutMs: 1000 },
          new AbortController().signal,
        ),
        {
          code: 'HIK_ERR_HA_AUTH_INVALID',
        },
      );
      const abort = new AbortController();
      const pending = openHaSocket(
        { wsUrl, token: ADMIN_TOKEN, dispatcher: agent, timeoutMs: 1000 },
        abort.signal,
      );
      abort.abort();
      await assert.rejects(pending, { code: 'HIK_ERR_HA_CLOSED' });
      const socket = await openHaSocket(
        { wsUrl, token: ADMIN_TOKEN, dispatcher: agent, timeoutMs: 1000 },
        new AbortController().signal,
      );
      assert.equal(socket.haVersion, '2025.1.0');
      socket.close();
    } finally {
      await server.stop();
    }
  });
});
