import assert from 'node:assert/strict';
import {
  HaIntegrationConsumer,
  type HaIntegrationDomain,
} from '../../../lib/consumers/ha-integration-consumer';
import type { ConsumerUpdateResult } from '../../../lib/consumers/consumer';
import { HaLink } from '../../../lib/homeassistant/ha-link';
import { SimDevice } from '../../../sim';
import { HaTestServer } from '../../support/ha-test-server';
import { ADMIN_TOKEN, USER_TOKEN, describeForTest, waitFor } from '../homeassistant/support';

const CAMERA_HOST = '127.0.0.141';
const HA_ADDRESS = '127.0.0.142';
const OLD = 'Initial-Pass1';
const NEW = 'Rotated-P@ss2';

function errorOf(result: ConsumerUpdateResult): { code: string; message: string } {
  assert.notEqual(result.status, 'updated');
  return result.status === 'updated' ? { code: '', message: '' } : result.error;
}

describe('Home Assistant integration entries as consumers of the camera password', function () {
  this.timeout(15000);
  let camera: SimDevice;
  let server: HaTestServer;
  let link: HaLink;

  async function connect(token: string): Promise<void> {
    link = new HaLink({
      url: server.url,
      token,
      describe: describeForTest,
      backoff: { initialMs: 5, maxMs: 40 },
    });
    link.start();
    await waitFor('connected', () => link.status.kind === 'connected');
  }

  beforeEach(async () => {
    camera = new SimDevice({ adminPassword: OLD, maxAdminFailures: 50 });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true }, [USER_TOKEN]: { isAdmin: false } },
      clientAddress: HA_ADDRESS,
      streamStepMs: 30,
    });
    await connect(ADMIN_TOKEN);
  });
  afterEach(async () => {
    await link.stop(1000);
    await server.stop();
    await camera.close();
  });

  const failedFromHa = (): number => camera.counters.failedLoginsByIp.get(HA_ADDRESS) ?? 0;
  const consumer = (domain: HaIntegrationDomain, entry: string): HaIntegrationConsumer =>
    new HaIntegrationConsumer({ key: 'ha1', domain, entry, link: () => link });
  const update = (c: HaIntegrationConsumer) =>
    c.update(
      { username: 'admin', password: NEW },
      { device: { serial: camera.serialNumber, host: CAMERA_HOST } },
    );
  const deviceEntry = (domain: 'hikvision_next' | 'onvif'): string =>
    server.core.configEntries.add({
      domain,
      title: 'Front door',
      unique_id: camera.serialNumber,
      data: { host: `http://${CAMERA_HOST}`, port: 80, username: 'admin', password: OLD, verify_ssl: false },
      camera: { rtspPort: camera.rtspPort!, isapiPort: camera.port! },
    });

  it('moves a generic camera (found by title) to the new password: stream source and fields, nothing else', async () => {
    const id = server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      options: {
        stream_source: camera.streamUrl({ userName: 'admin', password: OLD }),
        still_image_url: `http://${CAMERA_HOST}/ISAPI/Streaming/channels/101/picture`,
        username: 'admin',
        password: OLD,
        verify_ssl: false,
      },
    });
    await waitFor('streaming', () => (server.core.configEntries.consumerOf(id)?.tally.ok ?? 0) >= 1);
    camera.setPassword('admin', NEW);
    const c = consumer('generic', 'garden');
    assert.equal(c.kind, 'ha_generic');
    const result = await update(c);
    assert.deepEqual(result, { status: 'updated', outOfDate: [] });
    const options = server.core.configEntries.inspect(id).options;
    assert.equal(options.password, NEW);
    assert.ok(String(options.stream_source).includes(encodeURIComponent('Rotated-P')));
    assert.ok(!String(options.stream_source).includes(OLD));
    assert.match(String(options.still_image_url), /picture$/, 'other options kept');
    const before = failedFromHa();
    await server.core.configEntries.consumerOf(id)!.nextAttempt();
    assert.equal(server.core.configEntries.consumerOf(id)?.tally.last, 'ok');
    assert.equal(failedFromHa(), before);
  });

  it('refuses a generic entry that streams from another address, without submitting anything', async () => {
    server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      options: { stream_source: `rtsp://admin:${OLD}@127.0.0.143:554/x`, username: 'admin', password: OLD },
    });
    const result = await update(consumer('generic', 'Garden'));
    assert.equal(result.status, 'refused');
    const { message } = errorOf(result);
    assert.ok(!message.includes(OLD) && !message.includes(NEW));
  });

  it('reports a generic entry whose stream HA could not reach as unreachable, the flow aborted and the entry untouched', async () => {
    const id = server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      // Nothing listens there: HA's stream test of the new settings cannot connect.
      options: { stream_source: `rtsp://admin:${OLD}@${CAMERA_HOST}:9/x`, username: 'admin', password: OLD },
    });
    const result = await update(consumer('generic', 'Garden'));
    assert.equal(result.status, 'unreachable');
    const { code, message } = errorOf(result);
    assert.equal(code, 'HIK_ERR_CONSUMER_UNREACHABLE');
    assert.match(message, /could not reach the camera/);
    assert.ok(!message.includes(OLD) && !message.includes(NEW));
    assert.equal(server.core.configEntries.inspect(id).options.password, OLD);
    assert.equal(server.core.configEntries.openFlowCount(), 0, 'no flow left open');
  });

  it('reconfigures hikvision_next by entry id with one submit', async () => {
    const id = deviceEntry('hikvision_next');
    await waitFor('streaming', () => (server.core.configEntries.consumerOf(id)?.tally.ok ?? 0) >= 1);
    camera.setPassword('admin', NEW);
    const result = await update(consumer('hikvision_next', id));
    assert.equal(result.status, 'updated');
    assert.equal(server.core.configEntries.inspect(id).data.password, NEW);
    assert.equal(server.core.configEntries.inspect(id).data.host, `http://${CAMERA_HOST}`);
  });

  it('waits for HA to open the onvif reauth (unreachable until then), then submits it once', async () => {
    const id = deviceEntry('onvif');
    await waitFor('streaming', () => (server.core.configEntries.consumerOf(id)?.tally.ok ?? 0) >= 1);
    const c = consumer('onvif', 'Front door');
    const early = await update(c);
    assert.equal(early.status, 'unreachable');
    assert.equal(server.core.configEntries.inspect(id).data.password, OLD, 'nothing submitted');
    camera.setPassword('admin', NEW);
    await waitFor('a reauth flow', () => server.core.configEntries.progress().length === 1);
    const result = await update(c);
    assert.equal(result.status, 'updated');
    assert.equal(server.core.configEntries.inspect(id).state, 'loaded');
    assert.equal(server.core.configEntries.inspect(id).data.password, NEW);
    assert.equal(failedFromHa(), 1, 'only the refusal that made HA ask');
  });

  it('refuses an unknown entry and a non-admin token, with no secret in the error', async () => {
    const missing = await update(consumer('generic', 'Nowhere'));
    assert.equal(missing.status, 'refused');
    assert.equal(errorOf(missing).code, 'HIK_ERR_CONSUMER_REFUSED');
    await link.stop(1000);
    link = new HaLink({ url: server.url, token: USER_TOKEN, describe: describeForTest });
    link.start();
    await waitFor('refused', () => link.status.kind === 'auth_failed');
    const restBefore = server.restLog.length;
    const result = await update(consumer('generic', 'Nowhere'));
    assert.equal(result.status, 'refused');
    assert.equal(errorOf(result).code, 'HIK_ERR_CONSUMER_NOT_UPDATABLE');
    assert.ok(!errorOf(result).message.includes(USER_TOKEN));
    assert.equal(server.restLog.length, restBefore, 'no REST call with a token HA refused');
  });
});
