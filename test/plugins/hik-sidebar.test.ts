/**
 * The sidebar plugin in a real Node-RED process with adminAuth on: the built package loads the
 * plugin, every hik-guard admin endpoint refuses anonymous requests, `hik-guard.read` shows the
 * device table (fed by the vault, the deployed nodes and discovery) without a password, acting
 * needs `hik-guard.write` (Rotate now and Verify answer with the hik-credentials node's result,
 * Re-claim with the fleet's, or why it refused), and only `hik-guard.reveal` (or `*`) reads a
 * password from the vault.
 */
import assert from 'node:assert/strict';
import { SimFleet, type SimFleetMember } from '../../sim';
import { HaTestServer } from '../support/ha-test-server';
import { DIGEST_CHALLENGE, ScriptedDevice } from '../support/scripted-device';
import { eventually, startNodeRed, type NodeRedProcess } from '../support/node-red-process';
import { AdminClient } from '../support/admin-client';

// Node-RED ships bcryptjs for adminAuth; the hashes are made here so no fixed hash is trusted.
const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

const CANARY = 'Canary-Pw-7f3a!x';
const LOGIN = 'editor-login-pw';
const SCOPES: Record<string, string | string[]> = {
  viewer: 'read',
  operator: ['read', 'hik-guard.write'],
  owner: '*',
};

const STORED_HA_TOKEN = 'stored-ha-canary-8812';
const STORED_HA_URL = 'http://127.0.0.1:9';

const members: SimFleetMember[] = [
  {
    adminPassword: CANARY,
    deviceType: 'IPCamera',
    model: 'DS-2CD2143G2-I',
    serialNumber: 'DS-2CD2143G2-I20240101AAWRK11111111',
    macAddress: 'c0:56:e3:00:00:51',
  },
];

describe('hik-sidebar plugin (real Node-RED, adminAuth)', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;
  const serial = members[0]!.serialNumber as string;

  before(async function () {
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.51', port: 0 });
    const device = fleet.devices[0]!;
    const hash = bcrypt.hashSync(LOGIN, 4);
    red = await startNodeRed({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'viewer', password: hash, permissions: SCOPES.viewer },
            { username: 'operator', password: hash, permissions: SCOPES.operator },
            { username: 'owner', password: hash, permissions: SCOPES.owner },
          ],
        },
      },
      flows: [
        { id: 'tab1', type: 'tab', label: 'sidebar test' },
        {
          id: 'dev1',
          type: 'hik-device',
          name: 'Front door',
          host: device.host,
          port: device.port,
          protocol: 'http',
          username: 'admin',
          serial: '',
          allowHttpPasswordChange: true,
          version: 2,
        },
        {
          id: 'cred1',
          type: 'hik-credentials',
          z: 'tab1',
          name: '',
          devices: [{ device: 'dev1', recorder: false }],
          scheduleType: 'manual',
          everyDays: 90,
          windowStart: '03:00',
          windowEnd: '04:00',
          cron: '',
          jitterMinutes: 0,
          concurrency: 1,
          settleSeconds: 0,
          includePassword: false,
          version: 1,
          wires: [[]],
        },
        {
          // Deployed with an address where nothing listens: only its stored token matters here.
          id: 'ha1',
          type: 'hik-homeassistant',
          name: '',
          url: STORED_HA_URL,
          verifyTls: true,
          ca: '',
          notifications: false,
          notifyService: '',
          version: 1,
        },
      ],
      credentials: { dev1: { password: CANARY }, ha1: { token: STORED_HA_TOKEN } },
    });
  });

  after(async function () {
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  const tokenFor = (username: string): Promise<string> => new AdminClient(red.base, LOGIN).token(username);

  async function call(path: string, method = 'GET', user?: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (user) headers.authorization = `Bearer ${await tokenFor(user)}`;
    return fetch(`${red.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  it('is loaded by Node-RED as a plugin of the package', async () => {
    const response = await call('/plugins', 'GET', 'viewer');
    const plugins = (await response.json()) as { id: string; plugins?: { id: string; type: string }[] }[];
    const ours = plugins.find((p) => p.id === 'node-red-contrib-hik-guard/hik-sidebar');
    assert.ok(ours, red.output());
    assert.deepEqual(
      ours.plugins?.map((p) => p.type),
      ['hik-guard-sidebar'],
    );
    const token = await tokenFor('viewer');
    const html = await (
      await fetch(`${red.base}/plugins`, {
        headers: { accept: 'text/html', authorization: `Bearer ${token}` },
      })
    ).text();
    assert.ok(html.includes('RED.sidebar.addTab'), 'the editor half is served');
  });

  it('refuses every endpoint to anonymous requests', async () => {
    const routes: [string, string][] = [
      ['/hik-guard/fleet', 'GET'],
      ['/hik-guard/discovered', 'GET'],
      ['/hik-guard/scan', 'POST'],
      [`/hik-guard/devices/${serial}/rotate`, 'POST'],
      [`/hik-guard/devices/${serial}/verify`, 'POST'],
      [`/hik-guard/devices/${serial}/reclaim`, 'POST'],
      [`/hik-guard/devices/${serial}/reveal`, 'POST'],
      [`/hik-guard/devices/${serial}/repin`, 'POST'],
      ['/hik-guard/test/device', 'POST'],
      ['/hik-guard/test/homeassistant', 'POST'],
    ];
    for (const [path, method] of routes) {
      const response = await call(path, method);
      assert.equal(response.status, 401, `${method} ${path}`);
    }
  });

  it('shows the enrolled device to a reader, with vault state and no password', async () => {
    const row = await eventually('the device enrolled in the vault', async () => {
      const response = await call('/hik-guard/fleet', 'GET', 'viewer');
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.ok(!text.includes(CANARY), 'no password in the fleet table');
      const snapshot = JSON.parse(text) as { devices: { serial: string | null; vault: string | null }[] };
      return snapshot.devices.find((d) => d.serial === serial && d.vault === 'ok');
    });
    assert.deepEqual(
      { ...row, lastSeen: undefined, lastRotation: undefined },
      {
        ...row,
        name: 'Front door',
        ip: fleet.devices[0]!.host,
        configId: 'dev1',
        managed: true,
        nextRotation: null,
        lastSeen: undefined,
        lastRotation: undefined,
      },
    );
  });

  it('lets only write permission act, and answers Verify with the hik-credentials node result', async () => {
    await eventually('the device enrolled, with the node that rotates it', async () => {
      const snapshot = (await (await call('/hik-guard/fleet', 'GET', 'viewer')).json()) as {
        devices: { serial: string | null; managed: boolean }[];
      };
      return snapshot.devices.some((d) => d.serial === serial && d.managed);
    });
    assert.equal((await call(`/hik-guard/devices/${serial}/verify`, 'POST', 'viewer')).status, 401);
    const before = fleet.devices[0]!.counters.authenticatedRequests;
    const response = await call(`/hik-guard/devices/${serial}/verify`, 'POST', 'operator');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      node: 'cred1',
      serial,
      result: 'verified',
      reason: null,
      rotatedAt: null,
      nextRotation: null,
    });
    // Answered after the device was asked, not before.
    assert.ok(fleet.devices[0]!.counters.authenticatedRequests > before);
    assert.equal(fleet.devices[0]!.counters.failedLogins, 0);
    const unknown = await call('/hik-guard/devices/NOPE123/rotate', 'POST', 'operator');
    assert.equal(unknown.status, 404);
  });

  it('reveals a password only with hik-guard.reveal, uncached', async () => {
    for (const user of ['viewer', 'operator']) {
      const refused = await call(`/hik-guard/devices/${serial}/reveal`, 'POST', user);
      assert.equal(refused.status, 401, user);
      assert.ok(!(await refused.text()).includes(CANARY));
    }
    const response = await call(`/hik-guard/devices/${serial}/reveal`, 'POST', 'owner');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), { serial, username: 'admin', password: CANARY });
    assert.ok(!red.output().includes(CANARY), 'the password is never logged');
  });

  it('tests a device connection without returning the secret', async () => {
    const device = fleet.devices[0]!;
    const response = await call('/hik-guard/test/device', 'POST', 'operator', {
      id: 'dev1',
      host: device.host,
      port: device.port,
      protocol: 'http',
      serial,
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes(CANARY));
    const answer = JSON.parse(text) as { identity: { deviceName: unknown; firmware: unknown } | null };
    assert.match(String(answer.identity?.firmware), /build/);
    assert.deepEqual(
      { ...answer, identity: { ...answer.identity, deviceName: null, firmware: null } },
      {
        reachable: true,
        activated: true,
        identity: { serial, model: 'DS-2CD2143G2-I', deviceName: null, firmware: null },
        problem: null,
        credentialFrom: 'vault',
      },
    );
    const bad = await call('/hik-guard/test/device', 'POST', 'operator', { host: 'http://x' });
    assert.equal(bad.status, 400);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('never draws a stored password out to a host the request names', async () => {
    const elsewhere = new ScriptedDevice();
    const client = await elsewhere.start((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': DIGEST_CHALLENGE });
      res.end();
    });
    try {
      const response = await call('/hik-guard/test/device', 'POST', 'operator', {
        id: 'dev1',
        serial,
        host: client.host,
        port: client.port,
        protocol: 'http',
      });
      assert.equal(response.status, 200);
      const answer = (await response.json()) as { credentialFrom: unknown; problem: unknown };
      assert.deepEqual([answer.credentialFrom, answer.problem], [null, 'no_credential']);
      assert.ok(elsewhere.seen.length > 0, 'the other host was asked, without a credential');
      assert.ok(elsewhere.seen.every((r) => r.authorization === undefined));
    } finally {
      await elsewhere.stop();
    }
  });

  it('never sends a stored Home Assistant token to a URL the request names', async () => {
    const ha = await HaTestServer.start({ tokens: { [STORED_HA_TOKEN]: { isAdmin: true } } });
    try {
      const response = await call('/hik-guard/test/homeassistant', 'POST', 'operator', {
        id: 'ha1',
        url: ha.url,
      });
      assert.deepEqual([response.status, await response.json()], [400, { problem: 'no_token' }]);
      assert.deepEqual([ha.counters.authOk, ha.counters.authInvalid], [0, 0]);
      assert.ok(!red.output().includes(STORED_HA_TOKEN), 'the stored token is never logged');
    } finally {
      await ha.stop();
    }
  });

  it('tests a Home Assistant connection: version on success, the code for a refused token', async () => {
    const HA_TOKEN = 'ha-canary-token-5521';
    const ha = await HaTestServer.start({ tokens: { [HA_TOKEN]: { isAdmin: true } }, haVersion: '2025.6.1' });
    try {
      const good = await call('/hik-guard/test/homeassistant', 'POST', 'operator', {
        url: ha.url,
        token: HA_TOKEN,
      });
      assert.deepEqual(await good.json(), { connected: true, haVersion: '2025.6.1', problem: null });
      const bad = await call('/hik-guard/test/homeassistant', 'POST', 'operator', {
        url: ha.url,
        token: 'wrong',
      });
      assert.deepEqual(await bad.json(), {
        connected: false,
        haVersion: null,
        problem: 'HIK_ERR_HA_AUTH_INVALID',
      });
      const none = await call('/hik-guard/test/homeassistant', 'POST', 'operator', { url: ha.url });
      assert.deepEqual([none.status, await none.json()], [400, { problem: 'no_token' }]);
      assert.equal(ha.counters.authInvalid, 1);
      assert.ok(!red.output().includes(HA_TOKEN));
    } finally {
      await ha.stop();
    }
  });

  it('refuses Re-claim of an active device with the reason, and only to write permission', async () => {
    assert.equal((await call(`/hik-guard/devices/${serial}/reclaim`, 'POST', 'viewer')).status, 401);
    const requests = fleet.devices[0]!.counters.requests;
    const active = await call(`/hik-guard/devices/${serial}/reclaim`, 'POST', 'operator');
    assert.deepEqual(
      [active.status, await active.json()],
      [409, { problem: 'HIK_ERR_RECLAIM_REFUSED', reason: 'not_inactive' }],
    );
    const unknown = await call('/hik-guard/devices/NOPE123/reclaim', 'POST', 'operator');
    assert.deepEqual(
      [unknown.status, await unknown.json()],
      [409, { problem: 'HIK_ERR_RECLAIM_REFUSED', reason: 'unknown_device' }],
    );
    assert.equal(fleet.devices[0]!.counters.requests, requests, 'nothing sent to the device');
    // The table says so too: the device is active, so Re-claim is not offered.
    const snapshot = (await (await call('/hik-guard/fleet', 'GET', 'viewer')).json()) as {
      devices: { serial: string | null; reclaim: string }[];
    };
    assert.equal(snapshot.devices.find((d) => d.serial === serial)?.reclaim, 'not_inactive');
  });

  // Last: it changes the password the tests above read from the vault.
  it('answers Rotate now with the rotation time and the next rotation, never the new password', async () => {
    const response = await call(`/hik-guard/devices/${serial}/rotate`, 'POST', 'operator');
    assert.equal(response.status, 200);
    const text = await response.text();
    const answer = JSON.parse(text) as { rotatedAt: string | null };
    assert.deepEqual(answer, {
      node: 'cred1',
      serial,
      result: 'rotated',
      reason: null,
      rotatedAt: answer.rotatedAt,
      nextRotation: null,
    });
    assert.ok(answer.rotatedAt !== null && Date.parse(answer.rotatedAt) <= Date.now());
    const revealed = (await (await call(`/hik-guard/devices/${serial}/reveal`, 'POST', 'owner')).json()) as {
      password: string;
    };
    assert.notEqual(revealed.password, CANARY, 'the device has a new password');
    assert.ok(!text.includes(revealed.password), 'the answer does not carry it');
    assert.ok(!red.output().includes(revealed.password), 'nor does the log');
    // The fleet's table shows the same rotation.
    const snapshot = (await (await call('/hik-guard/fleet', 'GET', 'viewer')).json()) as {
      devices: { serial: string | null; lastRotation: string | null }[];
    };
    assert.equal(snapshot.devices.find((d) => d.serial === serial)?.lastRotation, answer.rotatedAt);
    assert.equal(fleet.devices[0]!.counters.failedLogins, 0);
  });
});
