import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConsumerNotUpdatableError,
  ConsumerRefusedError,
  ConsumerUnreachableError,
} from '../../../lib/errors';
import { Go2rtcApi } from '../../../lib/consumers/go2rtc-api';
import { SimDevice } from '../../../sim';
import { Go2rtcStandIn } from '../../support/go2rtc-stand-in';

const CAMERA_HOST = '127.0.0.111';
const GO2RTC_HOST = '127.0.0.112';
const OLD = { userName: 'admin', password: 'Initial-Pass1' };
const NEW = { username: 'admin', password: 'Rotated-P@ss2' };

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function send(url: string, method: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method, headers });
  return { status: response.status, text: await response.text() };
}

describe('go2rtc API client against the go2rtc stand-in', () => {
  let camera: SimDevice;
  let go2rtc: Go2rtcStandIn;
  const started: Go2rtcStandIn[] = [];
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'go2rtc-'));
    camera = new SimDevice({ adminPassword: OLD.password, maxAdminFailures: 50 });
    await camera.listen({ host: CAMERA_HOST, port: 0, rtspPort: 0 });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((g) => g.stop()));
    await camera.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startGo2rtc(options: Partial<Parameters<typeof Go2rtcStandIn.start>[0]> = {}) {
    go2rtc = await Go2rtcStandIn.start({
      host: GO2RTC_HOST,
      configFile: join(dir, 'go2rtc.yaml'),
      timeScale: 0.01,
      streams: {
        front: camera.streamUrl(OLD)!,
        front_sub: `ffmpeg:${camera.streamUrl(OLD, 102)!}#video=copy`,
        other: 'rtsp://viewer:Other-Pass3@127.0.0.113:554/Streaming/Channels/101',
      },
      ...options,
    });
    started.push(go2rtc);
    return new Go2rtcApi({ baseUrl: go2rtc.url, consumerId: 'go2rtc:test' });
  }

  it('lists streams with masked credentials and finds those of the camera by host', async () => {
    const api = await startGo2rtc();
    const streams = await api.listStreams();
    assert.deepEqual(
      streams.map((s) => s.name),
      ['front', 'front_sub', 'other'],
    );
    assert.ok(streams.every((s) => s.sources.every((src) => src.includes('://***@'))));
    assert.ok(!JSON.stringify(streams).includes(OLD.password));
    assert.deepEqual(
      (await api.streamsForHost(CAMERA_HOST)).map((s) => s.name),
      ['front', 'front_sub'],
    );
  });

  it('moves a live producer to the new password at its next reconnect and persists the sources', async () => {
    const api = await startGo2rtc();
    const detach = go2rtc.attachViewer('front');
    await waitFor('the producer streaming', () => go2rtc.producersOf('front')[0]?.streaming === true);
    camera.setPassword('admin', NEW.password);
    camera.dropStreamSessions();
    await waitFor('a refused reconnect', () => go2rtc.totalTally().refused >= 1);

    const updates = await api.updateStreamsForHost(CAMERA_HOST, NEW);
    assert.deepEqual(updates, [
      { name: 'front', persisted: true },
      { name: 'front_sub', persisted: true },
    ]);
    await waitFor('streaming again', () => go2rtc.totalTally().ok >= 2);
    detach();
    assert.equal(camera.counters.failedLoginsByIp.get(GO2RTC_HOST), go2rtc.totalTally().refused);
    const config = JSON.parse(readFileSync(join(dir, 'go2rtc.yaml'), 'utf8')) as {
      streams: Record<string, unknown>;
    };
    assert.equal(config.streams.front, camera.streamUrl({ userName: 'admin', password: NEW.password }));
    assert.equal(
      config.streams.front_sub,
      `ffmpeg:${camera.streamUrl({ userName: 'admin', password: NEW.password }, 102)}#video=copy`,
    );
    assert.equal(config.streams.other, 'rtsp://viewer:Other-Pass3@127.0.0.113:554/Streaming/Channels/101');
  });

  it('retries a refused password on go2rtc’s reconnect cadence (1 s ×5, then 5 s, then 10 s; scaled)', async () => {
    await startGo2rtc({ timeScale: 0.02 });
    camera.setPassword('admin', NEW.password);
    const detach = go2rtc.attachViewer('front');
    await waitFor('twelve logins', () => go2rtc.totalTally().logins >= 12);
    detach();
    const times = go2rtc.producersOf('front')[0]!.tally.startedAt;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const median = (list: number[]) => list.toSorted((a, b) => a - b)[Math.floor(list.length / 2)]!;
    assert.ok(median(gaps.slice(0, 5)) < 80, `first gaps ${gaps.slice(0, 5).join(',')} ms (20 ms nominal)`);
    assert.ok(
      gaps.slice(5, 10).every((g) => g >= 95),
      `next gaps ${gaps.slice(5, 10).join(',')} ms (100 ms)`,
    );
    assert.ok(
      gaps.slice(10, 11).every((g) => g >= 190),
      `then ${gaps[10]} ms (200 ms)`,
    );
    assert.equal(camera.counters.failedLoginsByIp.get(GO2RTC_HOST), go2rtc.totalTally().refused);
  });

  it('keeps viewers of a replaced stream on the old source when only PUT is used (why the client PATCHes first)', async () => {
    await startGo2rtc();
    const detach = go2rtc.attachViewer('front');
    await waitFor('the producer streaming', () => go2rtc.producersOf('front')[0]?.streaming === true);
    const put = await send(
      `${go2rtc.url}/api/streams?name=front&src=${encodeURIComponent(camera.streamUrl({ userName: 'admin', password: NEW.password })!)}`,
      'PUT',
    );
    assert.equal(put.status, 200);
    camera.setPassword('admin', NEW.password);
    camera.dropStreamSessions();
    await waitFor('two refused reconnects of the orphaned stream', () => go2rtc.totalTally().refused >= 2);
    detach();
  });

  it('reports an update kept in memory only when go2rtc has no config file', async () => {
    const api = await startGo2rtc({ configFile: null });
    const updates = await api.updateStreamsForHost(CAMERA_HOST, NEW);
    assert.deepEqual(
      updates.map((u) => u.persisted),
      [false, false],
    );
    assert.equal(
      go2rtc.sourcesOf('front')?.[0],
      camera.streamUrl({ userName: 'admin', password: NEW.password }),
    );
  });

  it('deletes a stream and persists that; answers 404 for a stream it does not have', async () => {
    await startGo2rtc();
    assert.equal((await send(`${go2rtc.url}/api/streams?src=other`, 'DELETE')).status, 200);
    assert.equal((await send(`${go2rtc.url}/api/streams?src=other`, 'GET')).status, 404);
    const config = JSON.parse(go2rtc.configText()!) as { streams: Record<string, unknown> };
    assert.deepEqual(Object.keys(config.streams), ['front', 'front_sub']);
  });

  it('answers 400 to a source of unknown scheme, with nothing changed', async () => {
    const api = await startGo2rtc();
    await assert.rejects(api.replaceSources('front', ['gopher://127.0.0.111/x'], []), (err: unknown) => {
      assert.ok(err instanceof ConsumerRefusedError);
      assert.match(err.message, /HTTP 400/);
      return true;
    });
    assert.equal(go2rtc.sourcesOf('front')?.[0], camera.streamUrl(OLD));
  });

  it('refuses, before changing anything, a stream whose camera password comes from a variable', async () => {
    const api = await startGo2rtc({
      streams: { front: `rtsp://admin:\${CAM_PASS}@${CAMERA_HOST}:554/Streaming/Channels/101` },
      maskCredentials: false,
    });
    await assert.rejects(api.updateStreamsForHost(CAMERA_HOST, NEW), ConsumerNotUpdatableError);
    assert.deepEqual(go2rtc.requests, ['GET /api/streams']);
  });

  it('uses Basic auth when go2rtc asks for it, and says so when it is refused', async () => {
    await startGo2rtc({ auth: { username: 'api', password: 'Api-Pass4', localAuth: true } });
    const good = new Go2rtcApi({
      baseUrl: go2rtc.url,
      consumerId: 'go2rtc:test',
      apiUser: { username: 'api', password: 'Api-Pass4' },
    });
    assert.equal((await good.listStreams()).length, 3);
    const bad = new Go2rtcApi({ baseUrl: go2rtc.url, consumerId: 'go2rtc:test' });
    await assert.rejects(bad.listStreams(), /refused the API user name or password/);
    const unauthenticated = await send(`${go2rtc.url}/api/streams`, 'GET');
    assert.equal(unauthenticated.status, 401);
  });

  it('skips auth for loopback clients unless local_auth is set', async () => {
    await startGo2rtc({ auth: { username: 'api', password: 'Api-Pass4' } });
    assert.equal((await send(`${go2rtc.url}/api/streams`, 'GET')).status, 200);
  });

  it('turns a go2rtc that does not answer into ConsumerUnreachableError', async () => {
    const api = new Go2rtcApi({
      baseUrl: 'http://127.0.0.114:1',
      consumerId: 'go2rtc:test',
      timeoutMs: 1000,
    });
    await assert.rejects(api.listStreams(), ConsumerUnreachableError);
  });
});
