import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrigateApi } from '../../../lib/consumers/frigate-api';
import { ConsumerNotUpdatableError, ConsumerRefusedError } from '../../../lib/errors';
import { SimDevice } from '../../../sim';
import { FrigateStandIn, type FrigateStandInOptions } from '../../support/frigate-stand-in';

const CAMERA_HOST = '127.0.0.121';
const FRIGATE_HOST = '127.0.0.122';
const OLD = { userName: 'admin', password: 'Initial-Pass1' };
const NEW = { username: 'admin', password: 'Rotated-P@ss2' };
const ADMIN = { user: 'admin', password: 'Frigate-Admin5' };

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Frigate API client against the Frigate stand-in', () => {
  let camera: SimDevice;
  const started: FrigateStandIn[] = [];
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frigate-'));
    camera = new SimDevice({ adminPassword: OLD.password, maxAdminFailures: 50 });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((f) => f.stop()));
    await camera.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startFrigate(options: Partial<FrigateStandInOptions> = {}): Promise<FrigateStandIn> {
    const frigate = await FrigateStandIn.start({
      host: FRIGATE_HOST,
      configFile: join(dir, 'config.yml'),
      retryIntervalMs: 30,
      restartDelayMs: 50,
      config: {
        mqtt: { enabled: false },
        cameras: {
          front: {
            ffmpeg: {
              inputs: [
                { path: camera.streamUrl(OLD)!, roles: ['record'] },
                { path: camera.streamUrl(OLD, 102)!, roles: ['detect'] },
              ],
            },
          },
          garden: {
            ffmpeg: { inputs: [{ path: 'rtsp://viewer:Other-Pass3@127.0.0.123:554/x', roles: ['detect'] }] },
          },
        },
      },
      ...options,
    });
    started.push(frigate);
    return frigate;
  }

  it('finds the inputs of the camera by host, credentials masked', async () => {
    const frigate = await startFrigate();
    const api = new FrigateApi({ baseUrl: frigate.internalUrl, consumerId: 'frigate:test' });
    const refs = await api.inputsForHost(CAMERA_HOST);
    assert.deepEqual(
      refs.map((r) => [r.camera, r.index]),
      [
        ['front', 0],
        ['front', 1],
      ],
    );
    assert.ok(refs.every((r) => r.path.includes('://*:*@') && !r.path.includes(OLD.password)));
  });

  it('saves the new paths, keeps the old ones running until the restart, then the ffmpeg processes log in with the new password', async () => {
    const frigate = await startFrigate();
    await waitFor('both inputs streaming', () => frigate.processesOf('front').every((p) => p.streaming));
    camera.setPassword('admin', NEW.password);
    camera.dropStreamSessions();
    await waitFor('a refused retry', () => frigate.totalTally().refused >= 1);

    const api = new FrigateApi({ baseUrl: frigate.internalUrl, consumerId: 'frigate:test' });
    await api.updateInputsForHost(CAMERA_HOST, NEW);
    const saved = frigate.savedConfig().cameras;
    const front = saved.front?.ffmpeg.inputs ?? [];
    assert.equal(front[0]?.path, camera.streamUrl({ userName: 'admin', password: NEW.password }));
    assert.deepEqual(front[1]?.roles, ['detect'], 'only the path changed');
    assert.equal(saved.garden?.ffmpeg.inputs[0]?.path, 'rtsp://viewer:Other-Pass3@127.0.0.123:554/x');
    assert.equal(
      frigate.processesOf('front')[0]?.path,
      camera.streamUrl(OLD),
      'running processes keep the old path',
    );

    const refusedBefore = frigate.totalTally().refused;
    await api.restart();
    await waitFor(
      'restarted and streaming',
      () => frigate.restarts === 1 && frigate.processesOf('front').every((p) => p.streaming),
    );
    assert.ok(frigate.totalTally().refused - refusedBefore <= 2, 'at most the retries in flight');
    assert.equal(camera.counters.failedLoginsByIp.get(FRIGATE_HOST), frigate.totalTally().refused);
  });

  it('never writes a config whose camera path takes its password from a {FRIGATE_*} variable', async () => {
    const variablePath = camera.streamUrl(OLD)!.replace(OLD.password, '{FRIGATE_RTSP_PASSWORD}');
    const frigate = await startFrigate({
      environment: { FRIGATE_RTSP_PASSWORD: OLD.password },
      config: { cameras: { front: { ffmpeg: { inputs: [{ path: variablePath, roles: ['record'] }] } } } },
    });
    await waitFor('the input streaming with the variable', () =>
      frigate.processesOf('front').every((p) => p.streaming),
    );
    const api = new FrigateApi({ baseUrl: frigate.internalUrl, consumerId: 'frigate:test' });
    assert.equal((await api.inputsForHost(CAMERA_HOST)).length, 1, 'the substituted path names the camera');
    await assert.rejects(api.updateInputsForHost(CAMERA_HOST, NEW), (err: unknown) => {
      assert.ok(err instanceof ConsumerNotUpdatableError);
      assert.match(err.message, /FRIGATE_/);
      assert.ok(!err.message.includes(OLD.password) && !err.message.includes(NEW.password));
      return true;
    });
    assert.equal(
      frigate.savedConfig().cameras.front?.ffmpeg.inputs[0]?.path,
      variablePath,
      'left as written',
    );
    assert.ok(!frigate.requests.includes('PUT /api/config/set'));
  });

  it('takes a nested config_data body too: objects merged, the given list replaced', async () => {
    const frigate = await startFrigate();
    const path = 'rtsp://viewer:New-Pass8@127.0.0.123:554/y';
    const response = await fetch(`${frigate.internalUrl}/api/config/set`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        config_data: { cameras: { garden: { ffmpeg: { inputs: [{ path, roles: ['detect', 'record'] }] } } } },
        requires_restart: 1,
      }),
    });
    assert.deepEqual(await response.json(), {
      success: true,
      message: 'Config successfully updated, restart to apply',
    });
    const saved = frigate.savedConfig();
    assert.deepEqual(saved.cameras.garden?.ffmpeg.inputs, [{ path, roles: ['detect', 'record'] }]);
    assert.equal(saved.cameras.front?.ffmpeg.inputs.length, 2, 'other cameras untouched');
    assert.deepEqual(saved.mqtt, { enabled: false });
  });

  it('answers 400 and keeps the saved config when the change is invalid', async () => {
    const frigate = await startFrigate();
    const before = JSON.stringify(frigate.savedConfig());
    const response = await fetch(
      `${frigate.internalUrl}/api/config/set?cameras.front.ffmpeg.inputs.0.path=not-a-url`,
      {
        method: 'PUT',
      },
    );
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { success: boolean }).success, false);
    assert.equal(JSON.stringify(frigate.savedConfig()), before);
    const body = await fetch(`${frigate.internalUrl}/api/config/set`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        config_data: { cameras: { front: { ffmpeg: { inputs: [] } } } },
        requires_restart: 1,
      }),
    });
    assert.equal(body.status, 400);
    assert.equal(JSON.stringify(frigate.savedConfig()), before);
  });

  it('logs in on the authenticated port once and uses the token', async () => {
    const frigate = await startFrigate({ authUser: ADMIN });
    const anonymous = new FrigateApi({ baseUrl: frigate.authenticatedUrl, consumerId: 'frigate:test' });
    await assert.rejects(anonymous.inputsForHost(CAMERA_HOST), /needs an admin user/);
    const api = new FrigateApi({
      baseUrl: frigate.authenticatedUrl,
      consumerId: 'frigate:test',
      login: ADMIN,
    });
    assert.equal((await api.inputsForHost(CAMERA_HOST)).length, 2);
    await api.updateInputsForHost(CAMERA_HOST, NEW);
    assert.equal(frigate.requests.filter((r) => r === 'POST /api/login').length, 1);
  });

  it('refuses a wrong Frigate login without retrying, and reports the rate limit', async () => {
    const frigate = await startFrigate({ authUser: ADMIN, loginRateLimitPerMinute: 2 });
    const wrong = new FrigateApi({
      baseUrl: frigate.authenticatedUrl,
      consumerId: 'frigate:test',
      login: { user: 'admin', password: 'Wrong-Pass6' },
    });
    await assert.rejects(wrong.inputsForHost(CAMERA_HOST), ConsumerRefusedError);
    assert.equal(frigate.requests.length, 1);
    await assert.rejects(wrong.inputsForHost(CAMERA_HOST), /user name or password/);
    await assert.rejects(wrong.inputsForHost(CAMERA_HOST), /refusing logins for now/);
  });
});
