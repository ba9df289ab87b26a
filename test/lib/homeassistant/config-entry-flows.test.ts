import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { withCredential } from '../../../lib/consumers/stream-url';
import { ConsumerNotUpdatableError, ConsumerRefusedError } from '../../../lib/errors';
import { formInput, type HaConfigEntryFlows } from '../../../lib/homeassistant/config-entry-flows';
import { HaLink } from '../../../lib/homeassistant/ha-link';
import { SimDevice } from '../../../sim';
import { HaTestServer } from '../../support/ha-test-server';
import { ADMIN_TOKEN, USER_TOKEN, describeForTest, waitFor } from './support';

const CAMERA_HOST = '127.0.0.131';
const HA_ADDRESS = '127.0.0.132';
const OLD = 'Initial-Pass1';
const NEW = 'Rotated-P@ss2';

describe('Home Assistant config-entry flows (client against the test server)', function () {
  this.timeout(15000);
  let camera: SimDevice;
  let server: HaTestServer;
  let link: HaLink;
  let flows: HaConfigEntryFlows;

  beforeEach(async () => {
    camera = new SimDevice({ adminPassword: OLD, maxAdminFailures: 50 });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true }, [USER_TOKEN]: { isAdmin: false } },
      clientAddress: HA_ADDRESS,
      streamStepMs: 30,
    });
    link = new HaLink({
      url: server.url,
      token: ADMIN_TOKEN,
      describe: describeForTest,
      backoff: { initialMs: 5, maxMs: 40 },
    });
    link.start();
    await waitFor('connected', () => link.status.kind === 'connected');
    flows = link.configEntryFlows('ha:test');
  });
  afterEach(async () => {
    await link.stop(1000);
    await server.stop();
    await camera.close();
  });

  const failedFromHa = (): number => camera.counters.failedLoginsByIp.get(HA_ADDRESS) ?? 0;
  const deviceEntry = (domain: 'hikvision_next' | 'onvif', uniqueId = camera.serialNumber): string =>
    server.core.configEntries.add({
      domain,
      title: 'Front door',
      unique_id: uniqueId,
      data: { host: `http://${CAMERA_HOST}`, port: 80, username: 'admin', password: OLD, verify_ssl: false },
      camera: { rtspPort: camera.rtspPort!, isapiPort: camera.port! },
    });

  it('lists a domain’s entries with what they support and no credentials', async () => {
    deviceEntry('hikvision_next');
    server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      options: { stream_source: camera.streamUrl({ userName: 'admin', password: OLD }) },
    });
    const entries = await flows.listEntries('hikvision_next');
    assert.equal(entries.length, 1);
    assert.deepEqual(
      { ...entries[0], entryId: undefined },
      {
        entryId: undefined,
        domain: 'hikvision_next',
        title: 'Front door',
        state: 'loaded',
        supportsReconfigure: true,
        supportsOptions: false,
      },
    );
    const raw = await fetch(`${server.url}/api/config/config_entries/entry?domain=generic`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.ok(!(await raw.text()).includes(OLD));
  });

  it('moves a generic camera to the new password through its options flow (init, confirm_still)', async () => {
    const id = server.core.configEntries.add({
      domain: 'generic',
      title: 'Garden',
      options: {
        stream_source: camera.streamUrl({ userName: 'admin', password: OLD }),
        username: 'admin',
        password: OLD,
        verify_ssl: false,
      },
    });
    camera.setPassword('admin', NEW);
    await waitFor('a refused stream login', () => failedFromHa() >= 1);
    await flows.runOptionsFlow(id, (form) =>
      form.stepId === 'init'
        ? formInput(form, {
            stream_source: withCredential(
              String(form.fields.find((f) => f.name === 'stream_source')?.current),
              { username: 'admin', password: NEW },
            ),
            password: NEW,
          })
        : { confirmed_ok: true },
    );
    assert.equal(server.core.configEntries.inspect(id).options.password, NEW);
    const consumer = server.core.configEntries.consumerOf(id)!;
    await waitFor('streaming with the new password', () => consumer.tally.ok >= 1);
    const refusedBefore = failedFromHa();
    await consumer.nextAttempt();
    assert.equal(failedFromHa(), refusedBefore, 'no failed login after the reload');
  });

  it('refuses to reconfigure an integration without that step (UnknownStep)', async () => {
    const id = server.core.configEntries.add({ domain: 'generic', title: 'Garden', options: {} });
    await assert.rejects(
      flows.reconfigure('generic', id, () => ({})),
      ConsumerNotUpdatableError,
    );
  });

  it('reconfigures hikvision_next with the full form and the new password; the reloaded entry streams again', async () => {
    const id = deviceEntry('hikvision_next');
    await waitFor('streaming', () => (server.core.configEntries.consumerOf(id)?.tally.ok ?? 0) >= 1);
    camera.setPassword('admin', NEW);
    const seen: string[] = [];
    await flows.reconfigure('hikvision_next', id, (form) => {
      seen.push(form.stepId, ...form.fields.map((f) => f.name));
      return formInput(form, { password: NEW });
    });
    assert.deepEqual(seen, [
      'user',
      'host',
      'username',
      'password',
      'verify_ssl',
      'set_alarm_server',
      'alarm_server_host',
    ]);
    assert.equal(server.core.configEntries.inspect(id).data.password, NEW);
    assert.equal(
      server.core.configEntries.inspect(id).data.host,
      `http://${CAMERA_HOST}`,
      'other fields kept',
    );
    await server.core.configEntries.consumerOf(id)!.nextAttempt();
    assert.equal(server.core.configEntries.consumerOf(id)?.tally.last, 'ok');
  });

  it('ends a hikvision_next reconfigure whose device has another serial, and refuses a wrong password once', async () => {
    const wrongSerial = deviceEntry('hikvision_next', 'DS-2CD0000000000000AAWRJ00000009');
    await assert.rejects(
      flows.reconfigure('hikvision_next', wrongSerial, (form) => formInput(form, { password: OLD })),
      /unique_id_mismatch/,
    );
    const id = deviceEntry('hikvision_next');
    const before = failedFromHa();
    await assert.rejects(
      flows.reconfigure('hikvision_next', id, (form) => formInput(form, { password: 'Wrong-Pass7' })),
      (err: unknown) => {
        assert.ok(err instanceof ConsumerRefusedError);
        assert.match(err.message, /invalid_auth/);
        assert.ok(!err.message.includes('Wrong-Pass7') && !err.message.includes(OLD));
        return true;
      },
    );
    assert.equal(failedFromHa() - before, 1, 'one submit, one login');
    assert.equal((await flows.pendingFlows()).length, 0);
  });

  it('lets onvif stop after one refused login, then submits the reauth flow HA opened', async () => {
    const id = deviceEntry('onvif');
    camera.setPassword('admin', NEW);
    await waitFor('a reauth flow', () => server.core.configEntries.progress().length === 1);
    const reauth = await flows.findReauthFlow(id);
    assert.ok(reauth);
    assert.equal(reauth.stepId, 'reauth_confirm');
    assert.equal(server.core.configEntries.inspect(id).state, 'setup_error');
    await flows.submitReauth(reauth, (form) => formInput(form, { username: 'admin', password: NEW }));
    assert.equal(server.core.configEntries.inspect(id).state, 'loaded');
    await server.core.configEntries.consumerOf(id)!.nextAttempt();
    assert.equal(failedFromHa(), 1, 'only the refusal that made HA ask');
    assert.equal(await flows.findReauthFlow(id), null);
  });

  it('loses flows in progress on a Home Assistant restart and opens the reauth again if the password is still refused', async () => {
    const id = deviceEntry('onvif');
    camera.setPassword('admin', NEW);
    await waitFor('a reauth flow', () => server.core.configEntries.progress().length === 1);
    const before = (server.core.configEntries.progress()[0] as { flow_id: string }).flow_id;
    await server.restart();
    assert.notEqual(server.core.configEntries.inspect(id).state, 'not_loaded', 'set up again at start');
    await waitFor('a new reauth flow', () => server.core.configEntries.progress().length === 1);
    assert.notEqual((server.core.configEntries.progress()[0] as { flow_id: string }).flow_id, before);
    assert.equal(failedFromHa(), 2, 'one refused login per setup');
  });

  it('streams reauth flows to an admin subscriber and refuses non-admins over WS and REST (counted as a failed login)', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/websocket`);
    const messages: { id?: number; type: string; event?: { type: string | null }[] }[] = [];
    ws.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString()) as (typeof messages)[number]),
    );
    await waitFor('auth_required', () => messages.length === 1);
    ws.send(JSON.stringify({ type: 'auth', access_token: ADMIN_TOKEN }));
    await waitFor('auth_ok', () => messages.some((m) => m.type === 'auth_ok'));
    ws.send(JSON.stringify({ id: 1, type: 'config_entries/flow/subscribe' }));
    await waitFor('the initial list', () => messages.some((m) => m.id === 1 && m.type === 'event'));
    deviceEntry('onvif');
    camera.setPassword('admin', NEW);
    await waitFor('an added reauth flow', () => messages.some((m) => m.event?.[0]?.type === 'added'));
    ws.close();

    const user = new WebSocket(`${server.url.replace('http', 'ws')}/api/websocket`);
    const answers: { id?: number; type: string; success?: boolean; error?: { code: string } }[] = [];
    user.on('message', (data: Buffer) =>
      answers.push(JSON.parse(data.toString()) as (typeof answers)[number]),
    );
    await waitFor('auth_required', () => answers.length === 1);
    user.send(JSON.stringify({ type: 'auth', access_token: USER_TOKEN }));
    await waitFor('auth_ok', () => answers.some((m) => m.type === 'auth_ok'));
    user.send(JSON.stringify({ id: 1, type: 'config_entries/flow/progress' }));
    await waitFor('an answer', () => answers.some((m) => m.id === 1));
    assert.equal(answers.find((m) => m.id === 1)?.error?.code, 'unauthorized');
    user.close();

    const rest = await fetch(`${server.url}/api/config/config_entries/entry`, {
      headers: { authorization: `Bearer ${USER_TOKEN}` },
    });
    assert.equal(rest.status, 401);
    assert.equal(server.counters.restUnauthorized, 1);
  });
});
