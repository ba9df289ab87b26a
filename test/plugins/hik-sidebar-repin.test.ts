/**
 * "Trust the new certificate" in a real Node-RED with adminAuth: a device whose rotation failed
 * because its certificate changed is marked in the table, the repin route (hik-guard.write) shows
 * the pinned and the presented fingerprints, and pins only exactly the presented one when asked
 * again with it; rotations work again afterwards. No answer carries a password.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { SimFleet, type SimFleetMember } from '../../sim';
import { loadSimCertificate, type SimCertificateName } from '../../sim/tls-certificates';
import { AdminClient } from '../support/admin-client';
import { eventually, startNodeRed, type NodeRedProcess } from '../support/node-red-process';

// Node-RED ships bcryptjs for adminAuth; the hash is made here so no fixed hash is trusted.
const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

const CANARY = 'Canary-Repin-4b2e!q';
const LOGIN = 'editor-login-pw';
const SERIAL = 'DS-2CD2143G2-I20240101AAWRK22222222';
const fingerprintOf = (name: SimCertificateName): string =>
  new X509Certificate(loadSimCertificate(name).cert).fingerprint256;

const members: SimFleetMember[] = [
  {
    adminPassword: CANARY,
    deviceType: 'IPCamera',
    model: 'DS-2CD2143G2-I',
    serialNumber: SERIAL,
    macAddress: 'c0:56:e3:00:00:52',
  },
];

interface Row {
  serial: string | null;
  vault: string | null;
  managed: boolean;
  problem: string | null;
}

describe('hik-sidebar: trusting a changed certificate (real Node-RED, adminAuth)', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;
  let admin: AdminClient;

  before(async function () {
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.56', port: 0, https: true });
    const device = fleet.devices[0]!;
    const hash = bcrypt.hashSync(LOGIN, 4);
    red = await startNodeRed({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'viewer', password: hash, permissions: 'read' },
            { username: 'operator', password: hash, permissions: ['read', 'hik-guard.write'] },
          ],
        },
      },
      flows: [
        { id: 'tab1', type: 'tab', label: 'repin test' },
        {
          id: 'dev1',
          type: 'hik-device',
          name: 'Porch',
          host: device.host,
          port: device.port,
          protocol: 'https',
          username: 'admin',
          serial: SERIAL,
          allowHttpPasswordChange: false,
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
      ],
      credentials: { dev1: { password: CANARY } },
    });
    admin = new AdminClient(red.base, LOGIN);
  });

  after(async function () {
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  async function call(
    path: string,
    user?: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (user) headers.authorization = `Bearer ${await admin.token(user)}`;
    const response = await fetch(`${red.base}${path}`, {
      method: body === undefined && path.endsWith('/fleet') ? 'GET' : 'POST',
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    assert.ok(!text.includes(CANARY), `a password in the answer to ${path}`);
    return { status: response.status, text };
  }

  const row = async (): Promise<Row | undefined> =>
    (JSON.parse((await call('/hik-guard/fleet', 'viewer')).text) as { devices: Row[] }).devices.find(
      (d) => d.serial === SERIAL,
    );
  const repin = (body: unknown, user = 'operator') => call(`/hik-guard/devices/${SERIAL}/repin`, user, body);

  it('marks the device whose rotation met a new certificate, shows both fingerprints and pins only the confirmed one', async () => {
    const camera = fleet.devices[0]!;
    await eventually('the device enrolled, with the node that rotates it', async () => {
      const found = await row();
      return found?.vault === 'ok' && found.managed;
    });
    const pinned = fingerprintOf(camera.certificateName);
    const other: SimCertificateName = camera.certificateName === 'b' ? 'c' : 'b';
    camera.useCertificate(other);
    const presented = fingerprintOf(other);

    const refused = await call(`/hik-guard/devices/${SERIAL}/rotate`, 'operator');
    assert.equal(refused.status, 200);
    const failed = JSON.parse(refused.text) as { result: string; reason: string };
    assert.deepEqual([failed.result, failed.reason], ['failed', 'HIK_ERR_CERT_CHANGED']);
    assert.equal((await row())?.problem, 'HIK_ERR_CERT_CHANGED', 'the row offers Trust the new certificate');

    assert.equal((await call(`/hik-guard/devices/${SERIAL}/repin`, undefined, {})).status, 401);
    assert.equal((await repin({}, 'viewer')).status, 401, 'reading is not enough');

    const look = await repin({});
    assert.equal(look.status, 200);
    assert.deepEqual(JSON.parse(look.text), {
      serial: SERIAL,
      host: camera.host,
      port: camera.port,
      pinned,
      presented,
      result: 'confirmation_needed',
    });
    assert.equal((await row())?.problem, 'HIK_ERR_CERT_CHANGED', 'looking changes nothing');

    const wrong = await repin({ fingerprint: pinned });
    assert.equal(wrong.status, 409);
    assert.deepEqual(JSON.parse(wrong.text), { problem: 'HIK_ERR_CERT_NOT_CONFIRMED', presented });
    assert.equal((await repin({ fingerprint: 42 })).status, 400);

    const trusted = await repin({ fingerprint: presented });
    assert.equal(trusted.status, 200);
    assert.equal((JSON.parse(trusted.text) as { result: string }).result, 'repinned');
    assert.equal((await row())?.problem, null);
    assert.match(red.output(), new RegExp(`trusted the new TLS certificate of ${SERIAL}`));

    const rotated = await call(`/hik-guard/devices/${SERIAL}/rotate`, 'operator');
    assert.equal((JSON.parse(rotated.text) as { result: string }).result, 'rotated', rotated.text);
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal((await call('/hik-guard/devices/NOPE123/repin', 'operator', {})).status, 404);
  });
});
