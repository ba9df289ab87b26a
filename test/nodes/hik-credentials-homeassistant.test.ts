import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFlows } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import { sharedVaults } from '../../lib/runtime';
import type { HikHomeAssistantNode } from '../../nodes/shared/types';
import { SimDevice } from '../../sim';
import { ADMIN_TOKEN, waitFor } from '../lib/homeassistant/support';
import { HaTestServer } from '../support/ha-test-server';
import { withCatalog } from '../support/node-catalog';
import { helper } from '../support/node-red';
import hikCredentialsNode = require('../../nodes/hik-credentials/hik-credentials');
import hikDevice = require('../../nodes/hik-device/hik-device');
import hikHomeAssistant = require('../../nodes/hik-homeassistant/hik-homeassistant');

const hikCredentials = withCatalog(hikCredentialsNode, 'hik-credentials');
const CANARY = 'Canary-HaGeneric-8841';
const SECRET = 'hik-credentials-ha-test-secret';
const CAMERA_HOST = '127.0.0.151';
const HA_ADDRESS = '127.0.0.152';

interface Message {
  topic: string;
  payload: Record<string, unknown>;
}

describe('hik-credentials with a Home Assistant integration among the holders', function () {
  this.timeout(20_000);
  const originalSettings = (helper as unknown as { _settings: unknown })._settings;
  let userDir: string;
  let camera: SimDevice;
  let server: HaTestServer;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    userDir = await mkdtemp(join(tmpdir(), 'hik-credentials-ha-'));
    helper.settings({ userDir, credentialSecret: SECRET });
    camera = new SimDevice({ adminPassword: CANARY });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true } },
      clientAddress: HA_ADDRESS,
      streamStepMs: 50,
    });
  });
  afterEach(async () => {
    await helper.unload();
    (helper as unknown as { _settings: unknown })._settings = originalSettings;
    await sharedVaults().closeAll();
    await server.stop();
    await camera.close();
    await rm(userDir, { recursive: true, force: true });
  });

  it('a generic camera entry follows a rotation through its options flow; no password in messages, status or logs', async () => {
    const entryId = server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      options: {
        stream_source: camera.streamUrl({ userName: 'admin', password: CANARY }),
        username: 'admin',
        password: CANARY,
        verify_ssl: false,
      },
    });
    await waitFor('HA streaming', () => (server.core.configEntries.consumerOf(entryId)?.tally.ok ?? 0) >= 1);
    await helper.load(
      [hikDevice, hikHomeAssistant, hikCredentials],
      [
        { id: 'ha', type: 'hik-homeassistant', name: 'home', url: server.url, version: 1 },
        {
          id: 'cam',
          type: 'hik-device',
          name: 'Front camera',
          host: CAMERA_HOST,
          port: camera.port,
          protocol: 'http',
          username: 'admin',
          serial: '',
          allowHttpPasswordChange: true,
          consumers: [
            { type: 'homeassistant', config: 'ha', domain: 'generic', entry: 'Garden', account: 'admin' },
          ],
          version: 3,
        },
        {
          id: 'creds',
          type: 'hik-credentials',
          devices: [{ device: 'cam' }],
          scheduleType: 'manual',
          settleSeconds: 0.01,
          jitterMinutes: 0,
          concurrency: 1,
          includePassword: false,
          version: 1,
          wires: [['out']],
        },
        { id: 'out', type: 'helper' },
      ] as TestFlows,
      { cam: { password: CANARY }, ha: { token: ADMIN_TOKEN } },
    );
    const ha = helper.getNode('ha') as unknown as HikHomeAssistantNode;
    await waitFor(
      'the link connected',
      () => ha.configEntryLink(helper.getNode('creds'))?.status.kind === 'connected',
    );

    const received: Message[] = [];
    helper.getNode('out').on('input', (msg: unknown) => received.push(msg as Message));
    helper.getNode('creds').receive({ topic: 'rotate', payload: {} });
    await waitFor('the result and credential_changed', () => received.length >= 2, 10_000);
    const [result, changed] = received as [Message, Message];
    assert.equal(result.payload.result, 'rotated');
    assert.equal(changed.topic, 'credential_changed');
    assert.ok(
      (changed.payload.consumersUpdated as string[]).includes('Home Assistant generic entry "Garden"'),
    );
    assert.deepEqual(changed.payload.consumersNotUpdated, []);

    const newPassword = camera.state.admin.password ?? '';
    assert.notEqual(newPassword, CANARY);
    assert.equal(server.core.configEntries.inspect(entryId).options.password, newPassword);
    const stream = server.core.configEntries.consumerOf(entryId);
    await stream?.nextAttempt();
    assert.equal(stream?.tally.last, 'ok', 'HA streams with the new password');

    const status = (Reflect.get(helper.getNode('creds'), 'status') as SinonSpy).args;
    const seen = JSON.stringify([received, status, helper.log().args]);
    for (const secret of [CANARY, newPassword, ADMIN_TOKEN])
      assert.ok(!seen.includes(secret), 'a secret leaked');
  });
});
