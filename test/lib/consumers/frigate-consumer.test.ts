import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrigateConsumer } from '../../../lib/consumers/frigate-consumer';
import { SimDevice } from '../../../sim';
import { FrigateStandIn, type FrigateStandInOptions } from '../../support/frigate-stand-in';

const CAMERA_HOST = '127.0.0.131';
const FRIGATE_HOST = '127.0.0.132';
const OLD = { userName: 'admin', password: 'Initial-Pass1' };
const NEW = { username: 'admin', password: 'Rotated-P@ss2' };
const ADMIN = { user: 'admin', password: 'Frigate-Admin5' };
const DEVICE = { serial: 'DS-2CD2143G2-I20240101AAWRJ00000001', host: CAMERA_HOST };

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Frigate consumer against the Frigate stand-in', () => {
  let camera: SimDevice;
  const started: FrigateStandIn[] = [];
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frigate-consumer-'));
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
            ffmpeg: { inputs: [{ path: 'rtsp://viewer:Other-Pass3@127.0.0.133:554/x', roles: ['detect'] }] },
          },
        },
      },
      ...options,
    });
    started.push(frigate);
    await waitFor('the cameras streaming', () => frigate.processesOf('front').every((p) => p.streaming));
    return frigate;
  }

  /** The camera takes the new password and drops its sessions, as a rotation does. */
  /** A consumer of the Frigate on its internal port (no login). */
  const internalConsumer = (frigate: FrigateStandIn, { restart }: { restart: boolean }) =>
    new FrigateConsumer({ key: 'n1', baseUrl: frigate.internalUrl, restartAfterUpdate: restart });

  function rotateCamera(): void {
    camera.setPassword('admin', NEW.password);
    camera.dropStreamSessions();
  }

  it('with restart opted in: saves the paths, restarts Frigate, and its cameras stream with the new password', async () => {
    const frigate = await startFrigate();
    rotateCamera();
    const consumer = internalConsumer(frigate, { restart: true });
    assert.equal(consumer.id, 'frigate:n1');
    assert.equal(consumer.kind, 'frigate');

    const result = await consumer.update(NEW, { device: DEVICE });
    assert.deepEqual(result, { status: 'updated', outOfDate: [] });
    await waitFor(
      'restarted and streaming with the new password',
      () => frigate.restarts === 1 && frigate.processesOf('front').every((p) => p.streaming),
    );
    const newUrl = camera.streamUrl({ userName: 'admin', password: NEW.password });
    assert.equal(frigate.processesOf('front')[0]?.path, newUrl);
    assert.equal(frigate.savedConfig().cameras.garden?.ffmpeg.inputs[0]?.path.includes('Other-Pass3'), true);
    // Only the retries in flight before the update failed at the camera; none after the restart.
    const refusedAfterRestart = frigate.processesOf('front').reduce((n, p) => n + p.tally.refused, 0);
    assert.equal(refusedAfterRestart, 0);
    assert.deepEqual(
      frigate.requests.filter((r) => !r.startsWith('GET ')),
      ['PUT /api/config/set', 'POST /api/restart'],
    );
  });

  it('without restart: saves the paths, leaves Frigate running and says its cameras are out of date until it restarts', async () => {
    const frigate = await startFrigate();
    rotateCamera();
    const consumer = internalConsumer(frigate, { restart: false });

    const result = await consumer.update(NEW, { device: DEVICE });
    assert.deepEqual(result, {
      status: 'updated',
      outOfDate: ['Frigate camera front (until Frigate restarts)'],
    });
    assert.equal(frigate.restarts, 0);
    assert.ok(!frigate.requests.includes('POST /api/restart'));
    const saved = frigate.savedConfig().cameras.front?.ffmpeg.inputs ?? [];
    assert.ok(saved.every((input) => input.path.includes(encodeURIComponent(NEW.password))));
    assert.equal(frigate.processesOf('front')[0]?.path, camera.streamUrl(OLD), 'still the old path running');
  });

  it('without restart: a retry writes nothing again, and the cameras are in step once the owner restarted Frigate', async () => {
    const frigate = await startFrigate();
    rotateCamera();
    const consumer = internalConsumer(frigate, { restart: false });
    const outOfDate = { status: 'updated', outOfDate: ['Frigate camera front (until Frigate restarts)'] };
    assert.deepEqual(await consumer.update(NEW, { device: DEVICE }), outOfDate);
    const writes = () => frigate.requests.filter((r) => r === 'PUT /api/config/set').length;
    assert.equal(writes(), 1);

    assert.deepEqual(await consumer.update(NEW, { device: DEVICE }), outOfDate, 'not restarted yet');
    assert.equal(writes(), 1, 'the retry asked, it did not save again');
    assert.ok(frigate.requests.includes('GET /api/stats'));

    frigate.restartByOwner();
    const deadline = Date.now() + 5_000;
    while (frigate.restarts === 0) {
      if (Date.now() > deadline) throw new Error('Frigate did not restart');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(await consumer.update(NEW, { device: DEVICE }), { status: 'updated', outOfDate: [] });
    assert.equal(writes(), 1);
    assert.equal(frigate.restarts, 1, 'hik guard never restarted it');

    const newer = { username: NEW.username, password: 'Newer-Pass-3' };
    await consumer.update(newer, { device: DEVICE });
    assert.equal(writes(), 2, 'another password is saved');
  });

  it('changes nothing and does not restart when no Frigate camera connects to the device', async () => {
    const frigate = await startFrigate();
    const consumer = internalConsumer(frigate, { restart: true });
    const result = await consumer.update(NEW, { device: { serial: 'X', host: '127.0.0.134' } });
    assert.deepEqual(result, { status: 'updated', outOfDate: [] });
    assert.deepEqual(frigate.requests, ['GET /api/config']);
  });

  it('logs in on the authenticated port; a wrong Frigate login is refused without any password in the error', async () => {
    const frigate = await startFrigate({ authUser: ADMIN });
    rotateCamera();
    const good = new FrigateConsumer({
      key: 'n1',
      baseUrl: frigate.authenticatedUrl,
      login: ADMIN,
      restartAfterUpdate: true,
    });
    assert.deepEqual(await good.update(NEW, { device: DEVICE }), { status: 'updated', outOfDate: [] });

    const wrong = new FrigateConsumer({
      key: 'n2',
      baseUrl: frigate.authenticatedUrl,
      login: { user: 'admin', password: 'Wrong-Pass6' },
      restartAfterUpdate: true,
    });
    const refused = await wrong.update(NEW, { device: DEVICE });
    assert.equal(refused.status, 'refused');
    const text = JSON.stringify(refused) + ('error' in refused ? refused.error.message : '');
    for (const secret of [NEW.password, 'Wrong-Pass6', ADMIN.password, OLD.password]) {
      assert.ok(!text.includes(secret), 'no password in the result');
    }
  });

  it('reports a Frigate that does not answer as unreachable', async () => {
    const frigate = await startFrigate();
    const url = frigate.internalUrl;
    await frigate.stop();
    const consumer = new FrigateConsumer({
      key: 'n1',
      baseUrl: url,
      restartAfterUpdate: true,
      timeoutMs: 2000,
    });
    const result = await consumer.update(NEW, { device: DEVICE });
    assert.equal(result.status, 'unreachable');
    assert.deepEqual(result.outOfDate, []);
  });
});
