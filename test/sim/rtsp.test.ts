import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { SimFleet, type SimDevice } from '../../sim';
import { rtspConnect, rtspLogin } from '../support/rtsp-login';
import { StreamConsumer } from '../support/stream-consumer';
import { digestRequest } from './helpers/digest-client';
import { closeDevices, NEW_PASSWORD, PASSWORD, startDevice } from './helpers/devices';

const CAMERA_HOST = '127.0.0.27';
const CONSUMER = '127.0.0.28';
const NVR_HOST = '127.0.0.29';

/** Sends raw RTSP text and returns everything the device answered before `until` matched. */
async function exchange(device: SimDevice, text: string, until: RegExp): Promise<string> {
  const socket = net.connect({ host: device.host!, port: device.rtspPort!, localAddress: CONSUMER });
  let received = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no RTSP answer matching ${until}`)), 3000);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (until.test(received)) {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.on('error', reject);
      socket.write(text);
    });
  } finally {
    socket.destroy();
  }
  return received;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sim RTSP logins', () => {
  let camera: SimDevice;
  const consumers: StreamConsumer[] = [];

  beforeEach(async () => {
    camera = await startDevice({ maxAdminFailures: 3 }, { host: CAMERA_HOST, rtsp: true });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await closeDevices();
  });

  it('answers OPTIONS freely and a DESCRIBE without credentials with a Digest challenge, at no failed login', async () => {
    const url = camera.streamUrl()!;
    const options = await exchange(camera, `OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`, /\r\n\r\n/);
    assert.match(options, /^RTSP\/1\.0 200 OK\r\nCSeq: 1\r\n/);
    assert.match(options, /\r\nPublic: OPTIONS, DESCRIBE, /);
    const describe = await exchange(camera, `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 2\r\n\r\n`, /\r\n\r\n/);
    assert.match(describe, /^RTSP\/1\.0 401 Unauthorized\r\nCSeq: 2\r\n/);
    assert.match(
      describe,
      /\r\nWWW-Authenticate: Digest realm="[0-9a-f]{24}", nonce="[0-9a-f]{32}:\d{13}", stale="FALSE"\r\n/,
    );
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.rtspRequests, 2);
  });

  it('accepts the right credential with a stream description, percent-encoded userinfo included', async () => {
    camera.setPassword('admin', 'Pa ss:w@rd/1');
    const url = camera.streamUrl({ userName: 'admin', password: 'Pa ss:w@rd/1' })!;
    assert.equal(await rtspLogin(url, { localAddress: CONSUMER }), 'ok');
    assert.equal(camera.counters.streamLogins, 1);
    assert.equal(camera.counters.failedLogins, 0);
    const wrongPath = url.replace('/Streaming/Channels/101', '/nothing');
    assert.equal(await rtspLogin(wrongPath, { localAddress: CONSUMER }), 'not-found');
  });

  it('counts a wrong RTSP password into the same per-address lock as ISAPI', async () => {
    const stale = camera.streamUrl({ userName: 'admin', password: 'Stale-Pass9' })!;
    assert.equal(await rtspLogin(stale, { localAddress: CONSUMER }), 'refused');
    assert.equal(await rtspLogin(stale, { localAddress: CONSUMER }), 'refused');
    assert.equal(camera.counters.failedLoginsByIp.get(CONSUMER), 2);
    const isapi = { host: camera.host, port: camera.port, https: false };
    const wrong = await digestRequest(
      isapi,
      '/ISAPI/System/deviceInfo',
      { userName: 'admin', password: 'x' },
      {
        localAddress: CONSUMER,
      },
    );
    assert.equal(wrong.status, 401);
    assert.equal(camera.counters.locksTriggered, 1, 'the third failure, over ISAPI, locks the address');
    const right = camera.streamUrl({ userName: 'admin', password: PASSWORD })!;
    assert.equal(await rtspLogin(right, { localAddress: CONSUMER }), 'refused', 'locked over RTSP too');
    assert.equal(camera.counters.lockRejections, 1);
    assert.equal(
      await rtspLogin(right, { localAddress: '127.0.0.30' }),
      'ok',
      'another address is not locked',
    );
  });

  it('runs a stream consumer on its cadence that fails after a password change and recovers with a new URL', async () => {
    const consumer = new StreamConsumer({
      url: camera.streamUrl({ userName: 'admin', password: PASSWORD })!,
      localAddress: CONSUMER,
      everyMs: 30,
    }).start();
    consumers.push(consumer);
    await waitFor('two good logins', () => consumer.tally.ok >= 2);
    camera.setPassword('admin', NEW_PASSWORD);
    await waitFor('a refusal', () => consumer.tally.refused >= 1);
    consumer.setUrl(camera.streamUrl({ userName: 'admin', password: NEW_PASSWORD })!);
    await waitFor('a good login again', () => consumer.tally.last === 'ok');
    await consumer.stop();
    assert.equal(camera.counters.failedLoginsByIp.get(CONSUMER), consumer.tally.refused);
    assert.ok(consumer.tally.refused <= 2, 'the lock (3 failures) was not reached');
  });

  it('runs the stream consumer as its own process, URL from the environment, new URLs on stdin', async () => {
    camera.setPassword('admin', NEW_PASSWORD);
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', 'test/support/stream-consumer.ts', '--from', CONSUMER, '--every', '200'],
      {
        env: {
          ...process.env,
          STREAM_CONSUMER_URL: camera.streamUrl({ userName: 'admin', password: PASSWORD })!,
        },
      },
    );
    const results: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      createInterface({ input: child.stdout }).on('line', (line) => {
        results.push((JSON.parse(line) as { result: string }).result);
      });
      await waitFor('a refused login', () => results.includes('refused'), 8000);
      child.stdin.write(`${camera.streamUrl({ userName: 'admin', password: NEW_PASSWORD })}\n`);
      await waitFor('a good login', () => results.includes('ok'));
      child.stdin.end();
      assert.equal(await exited, 0);
    } finally {
      child.kill();
    }
    assert.equal(
      camera.counters.failedLoginsByIp.get(CONSUMER),
      results.filter((r) => r === 'refused').length,
    );
  });

  it('ends the sessions of a user whose password changed, over ISAPI or by a third party, when asked to', async () => {
    const strict = await startDevice(
      { dropStreamsOnPasswordChange: true },
      { host: '127.0.0.26', rtsp: true },
    );
    const open = async (userName: string, password: string) => {
      const { result, session } = await rtspConnect(strict.streamUrl({ userName, password })!, {
        localAddress: CONSUMER,
      });
      assert.equal(result, 'ok');
      return session!;
    };
    const admin = await open('admin', PASSWORD);
    const body = `<?xml version="1.0" encoding="UTF-8"?><User><id>1</id><userName>admin</userName><password>${NEW_PASSWORD}</password></User>`;
    const put = await digestRequest(
      strict,
      '/ISAPI/Security/users/1',
      { userName: 'admin', password: PASSWORD },
      { method: 'PUT', body },
    );
    assert.equal(put.status, 200);
    await admin.closed;
    const second = await open('admin', NEW_PASSWORD);
    strict.setPassword('admin', PASSWORD);
    await second.closed;
  });

  it('restarts its RTSP service with the device after a reboot', async () => {
    const port = camera.rtspPort;
    await camera.reboot();
    assert.equal(camera.rtspPort, port);
    const url = camera.streamUrl({ userName: 'admin', password: PASSWORD })!;
    assert.equal(await rtspLogin(url, { localAddress: CONSUMER }), 'ok');
  });
});

describe('sim fleet RTSP', () => {
  it('gives every fleet device an RTSP port on its own address (ephemeral with port 0)', async () => {
    const fleet = await SimFleet.start({
      port: 0,
      baseAddress: '127.0.0.141',
      devices: [{ adminPassword: PASSWORD }],
    });
    try {
      const device = fleet.devices[0]!;
      assert.ok(device.rtspPort !== null && device.rtspPort !== device.port);
      assert.equal(
        await rtspLogin(device.streamUrl({ userName: 'admin', password: PASSWORD })!, {
          localAddress: CONSUMER,
        }),
        'ok',
      );
    } finally {
      await fleet.stop();
    }
  });
});

describe('sim NVR channel logins on a cadence', () => {
  afterEach(closeDevices);

  it('costs the camera failed logins from the NVR address while a channel is stale, none once updated', async () => {
    // A lock would hide the recovery: allow more failures than the rounds before the update.
    const camera = await startDevice({ maxAdminFailures: 50 }, { host: CAMERA_HOST });
    const nvr = await startDevice(
      {
        deviceType: 'NVR',
        channelLoginEveryMs: 20,
        channels: [
          { ipAddress: CAMERA_HOST, managePortNo: camera.port!, userName: 'admin', password: PASSWORD },
        ],
      },
      { host: NVR_HOST },
    );
    const tally = () => nvr.channelLogins.get(1);
    await waitFor('an online round', () => (tally()?.online ?? 0) >= 1);
    assert.equal(camera.counters.failedLogins, 0);
    camera.setPassword('admin', NEW_PASSWORD);
    await waitFor('a refused round', () => (tally()?.refused ?? 0) >= 2);
    assert.equal(camera.counters.failedLoginsByIp.get(NVR_HOST), tally()?.refused);
    nvr.state.channelById(1)!.password = NEW_PASSWORD;
    const onlineBefore = tally()!.online;
    await waitFor('online again', () => tally()!.online > onlineBefore);
    await nvr.close();
    assert.equal(camera.counters.failedLoginsByIp.get(NVR_HOST), tally()?.refused);
    assert.equal(tally()?.last, 'online');
  });
});
