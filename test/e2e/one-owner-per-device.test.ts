/**
 * One owner per device, end to end, in a real Node-RED process with the demo's shape: three
 * hik-reset nodes watch one camera through one Home Assistant link, one of them allows re-claim,
 * and a hik-credentials node rotates it. A factory reset gives exactly one `inactive` and one
 * `reclaimed` alert (never `auth_failed`, `ownership_lost` or `needs_attention`), the vault stays
 * ok and rotation goes on; a second reset gives one more of each; a full redeploy and a restart of
 * Node-RED give no alert for the healthy camera. The next rotation is one value in the node's
 * output and `/hik-guard/fleet`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimFleet, type SimDevice } from '../../sim';
import { HaTestServer } from '../support/ha-test-server';
import { eventually, startNodeRed, type NodeRedProcess } from '../support/node-red-process';

const PASSWORD = 'E2e-Owner-Canary-7!';
const TOKEN = 'e2e-ha-token';
const SERIAL = 'DS-2CD2386G2-IU20240501AAWRK00000301';

interface FleetAnswer {
  devices: { serial: string | null; activation: string; vault: string | null; nextRotation: string | null }[];
}

describe('one owner per device, in a real Node-RED process', function () {
  this.timeout(120_000);
  let sims: SimFleet;
  let camera: SimDevice;
  let ha: HaTestServer;
  let red: NodeRedProcess | null = null;
  let folder: string;
  let restartedDir: string | null = null;

  before(async () => {
    sims = await SimFleet.start({
      devices: [
        {
          adminPassword: PASSWORD,
          deviceType: 'IPCamera',
          model: 'DS-2CD2386G2-IU',
          serialNumber: SERIAL,
          macAddress: 'c0:56:e3:00:03:01',
        },
      ],
      baseAddress: '127.0.0.91',
      port: 0,
    });
    camera = sims.devices[0] as SimDevice;
    camera.profile.rebootMs = 20;
    ha = await HaTestServer.start({ tokens: { [TOKEN]: { isAdmin: true } } });
    folder = mkdtempSync(join(tmpdir(), 'hik-guard-owner-'));
  });

  after(async () => {
    await red?.stop();
    await sims.stop();
    await ha.stop();
    rmSync(folder, { recursive: true, force: true });
    if (restartedDir) rmSync(restartedDir, { recursive: true, force: true });
  });

  const outputFile = (): string => join(folder, 'rotation-results.jsonl');

  function flows(): Record<string, unknown>[] {
    const reset = (n: number) => ({
      id: `reset${n}`,
      type: 'hik-reset',
      z: 'tab',
      name: `watch ${n}`,
      devices: [{ device: 'dev', reclaim: n === 1 }],
      listed: '',
      server: 'ha',
      pollSeconds: 1,
      passive: false,
      interfaces: '',
      offlineAfter: 3,
      version: 1,
      wires: [[], []],
    });
    return [
      { id: 'tab', type: 'tab', label: 'demo' },
      {
        id: 'dev',
        type: 'hik-device',
        name: 'Porch',
        host: camera.host,
        port: camera.port,
        protocol: 'http',
        username: 'admin',
        serial: SERIAL,
        allowHttpPasswordChange: true,
        version: 2,
      },
      {
        id: 'ha',
        type: 'hik-homeassistant',
        name: 'HA',
        url: ha.url,
        verifyTls: true,
        ca: '',
        notifications: true,
        notifyService: '',
        version: 1,
      },
      {
        id: 'cred',
        type: 'hik-credentials',
        z: 'tab',
        name: 'rotate',
        devices: [{ device: 'dev', recorder: false }],
        scheduleType: 'days',
        everyDays: 90,
        windowStart: '03:00',
        windowEnd: '03:30',
        cron: '',
        jitterMinutes: 0,
        concurrency: 1,
        settleSeconds: 0,
        includePassword: false,
        version: 1,
        wires: [['results']],
      },
      {
        id: 'results',
        type: 'file',
        z: 'tab',
        filename: outputFile(),
        filenameType: 'str',
        appendNewline: true,
        createDir: true,
        overwriteFile: 'false',
        encoding: 'none',
        wires: [[]],
      },
      reset(1),
      reset(2),
      reset(3),
    ];
  }

  const alerts = (type?: string): number =>
    ha.core.firedEvents.filter(
      (e) => e.event_type === 'hik_guard_event' && (type === undefined || e.data.type === type),
    ).length;
  const polls = (): number => camera.counters.requestsByPath.get('GET /SDK/activateStatus') ?? 0;
  const admin = async (method: string, path: string): Promise<Response> => {
    if (!red) throw new Error('Node-RED is not running');
    return fetch(`${red.base}${path}`, { method, headers: { accept: 'application/json' } });
  };
  const row = async () => {
    const answer = (await (await admin('GET', '/hik-guard/fleet')).json()) as FleetAnswer;
    return answer.devices.find((d) => d.serial === SERIAL);
  };
  const results = (): { result: string; nextRotation: string | null }[] => {
    try {
      return readFileSync(outputFile(), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { result: string; nextRotation: string | null });
    } catch {
      return [];
    }
  };
  /** A positive signal that the watch is alive: this many more polls answered. */
  const morePolls = async (count: number): Promise<void> => {
    const before = polls();
    await eventually(`${count} more polls`, () => polls() >= before + count, 20_000);
  };
  const noFalseAlarm = (): void => {
    for (const type of ['auth_failed', 'ownership_lost', 'needs_attention'])
      assert.equal(alerts(type), 0, `no ${type} alert`);
  };

  it('a reset is one inactive and one reclaimed alert; redeploy and restart alert nothing', async () => {
    red = await startNodeRed({
      flows: flows(),
      credentials: { dev: { password: PASSWORD }, ha: { token: TOKEN } },
    });
    await eventually('the camera enrolled and active', async () => {
      const r = await row();
      return r?.vault === 'ok' && r.activation === 'active';
    });

    for (const round of [1, 2]) {
      await camera.factoryReset();
      await eventually(`reset ${round}: reclaimed`, () => alerts('reclaimed') === round, 30_000);
      await eventually(`reset ${round}: active again, vault ok`, async () => {
        const r = await row();
        return r?.activation === 'active' && r.vault === 'ok';
      });
      await morePolls(3);
      assert.equal(alerts('inactive'), round, 'one inactive alert per reset, whatever the watchers');
      assert.equal(alerts('reclaimed'), round);
      noFalseAlarm();
    }
    assert.equal(camera.counters.failedLogins, 0);

    // Rotation goes on, and its next time is one answer: the sidebar's, the node's, the table's.
    // (A scheduled rotation may have run at start, inside its window: only what follows counts.)
    const earlier = results().length;
    const rotate = await admin('POST', `/hik-guard/devices/${SERIAL}/rotate`);
    assert.equal(rotate.status, 200);
    const answered = (await rotate.json()) as { result: string; nextRotation: string | null };
    assert.equal(answered.result, 'rotated');
    const rotated = await eventually('the rotation result', () =>
      results()
        .slice(earlier)
        .find((r) => r.result === 'rotated'),
    );
    assert.ok(rotated.nextRotation, 'the node says when it rotates next');
    assert.equal(answered.nextRotation, rotated.nextRotation, 'Rotate now and the node output agree');
    assert.equal((await row())?.nextRotation, rotated.nextRotation, 'node output and /hik-guard/fleet agree');
    assert.notEqual(camera.state.admin.password, PASSWORD, 'the camera has a rotated password');

    const told = alerts();
    const current = (await (await admin('GET', '/flows')).json()) as Record<string, unknown>[];
    const deploy = await fetch(`${red.base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(current),
    });
    assert.equal(deploy.status, 204);
    await morePolls(4);
    assert.equal((await row())?.activation, 'active', 'a full deploy keeps the state');
    assert.equal(alerts(), told, 'a full redeploy alerts nothing');

    const userDir = red.userDir;
    await red.stop({ keepUserDir: true });
    red = null;
    restartedDir = userDir;
    red = await startNodeRed({ userDir });
    await eventually(
      'the restarted runtime sees the camera active',
      async () => (await row())?.activation === 'active',
    );
    await morePolls(3);
    assert.equal(alerts(), told, 'a restart alerts nothing for a healthy camera');
    noFalseAlarm();
    assert.equal(camera.counters.failedLogins, 0);
  });
});
