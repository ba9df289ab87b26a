import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { probeHomeAssistant } from '../../../lib/homeassistant/ha-probe';
import { HaTestServer } from '../../support/ha-test-server';
import { ADMIN_TOKEN, USER_TOKEN } from './support';

describe('probeHomeAssistant ("Test connection")', function () {
  this.timeout(15_000);
  let server: HaTestServer;

  before(async () => {
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true }, [USER_TOKEN]: { isAdmin: false } },
      haVersion: '2026.1.0',
    });
  });
  after(async () => {
    await server.stop();
  });

  it("answers the version when the token is an administrator's", async () => {
    assert.deepEqual(await probeHomeAssistant({ url: server.url, token: ADMIN_TOKEN }), {
      connected: true,
      haVersion: '2026.1.0',
      problem: null,
    });
  });

  it('says a token of a user who is not an administrator is not enough, with the version', async () => {
    assert.deepEqual(await probeHomeAssistant({ url: server.url, token: USER_TOKEN }), {
      connected: false,
      haVersion: '2026.1.0',
      problem: 'HIK_ERR_HA_NOT_ADMIN',
    });
  });

  it('reports a refused token once, without a version', async () => {
    const refusedBefore = server.counters.authInvalid;
    assert.deepEqual(await probeHomeAssistant({ url: server.url, token: 'wrong' }), {
      connected: false,
      haVersion: null,
      problem: 'HIK_ERR_HA_AUTH_INVALID',
    });
    assert.equal(server.counters.authInvalid, refusedBefore + 1);
  });

  it('reports an address where nothing answers as unreachable', async () => {
    const dropping = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const { port } = dropping.address() as AddressInfo;
    try {
      const answer = await probeHomeAssistant({ url: `http://127.0.0.1:${port}`, token: ADMIN_TOKEN });
      assert.deepEqual(answer, { connected: false, haVersion: null, problem: 'HIK_ERR_HA_UNREACHABLE' });
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });

  it('throws for a URL without http:// or https:// (the route answers its code)', async () => {
    await assert.rejects(probeHomeAssistant({ url: 'homeassistant.local:8123', token: ADMIN_TOKEN }), {
      code: 'HIK_ERR_INVALID_ARGUMENT',
    });
  });
});
