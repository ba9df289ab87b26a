/**
 * The sidebar's Findings column in a real headless Chromium: a 2014 camera with UPnP mappings and
 * Hik-Connect on, audited with Audit now, shows its worst severity as a badge; its details list
 * each finding with what was seen and the fix, in catalog sentences (no raw key); the camera saw
 * no write, no exploit-shaped request and no failed login.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SimFleet, type SimFleetMember } from '../../sim';
import { CHROMIUM, launchBrowser, type TestBrowser } from '../support/browser';
import { startNodeRed, type NodeRedProcess } from '../support/node-red-process';

const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

const PASSWORD = 'Browser-Audit-7k!';
const LOGIN = 'editor-login-pw';
const SERIAL = 'DS-2CD2532F-IWS20150101AAWRK00000091';

const members: SimFleetMember[] = [
  {
    adminPassword: PASSWORD,
    model: 'DS-2CD2532F-IWS',
    firmwareVersion: 'V5.2.0',
    firmwareReleasedDate: 'build 150101',
    serialNumber: SERIAL,
    macAddress: 'c0:56:e3:00:09:01',
    hardening: { upnp: true, upnpPortMapping: true, ezviz: true },
  },
];

declare const RED: {
  nodes: { getType(type: string): unknown };
  sidebar: { show(id: string): void };
  workspaces: { active(): string };
};

describe('the sidebar shows audit findings (Chromium)', function () {
  this.timeout(90_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;
  let chromium: TestBrowser;

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.91', port: 0 });
    const camera = fleet.devices[0]!;
    red = await startNodeRed({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [{ username: 'owner', password: bcrypt.hashSync(LOGIN, 4), permissions: '*' }],
        },
      },
      flows: [
        { id: 'tab1', type: 'tab', label: 'Hik Guard' },
        {
          id: 'dev1',
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
          id: 'cred1',
          type: 'hik-credentials',
          z: 'tab1',
          devices: [{ device: 'dev1', recorder: false }],
          scheduleType: 'manual',
          jitterMinutes: 0,
          concurrency: 1,
          settleSeconds: 0,
          includePassword: false,
          auditEveryDays: 0,
          version: 2,
          wires: [[]],
        },
      ],
      credentials: { dev1: { password: PASSWORD } },
    });
    chromium = await launchBrowser();
  });

  after(async function () {
    await (chromium as TestBrowser | undefined)?.close();
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  it('Audit now fills the Findings badge and lists each finding with its fix', async () => {
    const response = await fetch(`${red.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '',
        username: 'owner',
        password: LOGIN,
      }),
    });
    const { access_token } = (await response.json()) as { access_token: string };
    const context = await chromium.context({
      localStorage: { 'auth-tokens': JSON.stringify({ access_token }) },
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${red.base}/`);
    await page.waitForFunction(
      "typeof RED !== 'undefined' && RED.nodes && RED.nodes.getType('hik-credentials') && RED.workspaces.active()",
      undefined,
      { timeout: 30_000 },
    );
    await page.evaluate(() => RED.sidebar.show('hik-guard'));

    const row = page.locator(`.hik-sidebar-row[data-key="${SERIAL}"]`);
    const panel = page.locator(`.hik-sidebar-details[data-key="${SERIAL}"]`);
    await row.locator('.hik-sidebar-col-findings', { hasText: 'not audited' }).waitFor({ timeout: 20_000 });
    await row.click();
    await panel.locator('.hik-sidebar-audit').click();
    await panel
      .locator('.hik-sidebar-result.ok', { hasText: /^Audited at .+: \d+ findings/ })
      .waitFor({ timeout: 20_000 });

    const badge = row.locator('.hik-sidebar-col-findings .hik-sidebar-findings');
    await badge.waitFor({ timeout: 10_000 });
    assert.equal(await badge.getAttribute('data-severity'), 'critical');
    assert.match((await badge.textContent()) ?? '', /^critical · \d+$/);
    const cve = panel.locator('.hik-sidebar-finding[data-finding="CVE-2017-7921"]');
    await cve.waitFor();
    assert.match(
      (await cve.textContent()) ?? '',
      /Seen: GET \/ISAPI\/System\/deviceInfo: .*Fix: Update the firmware/,
    );
    await panel.locator('.hik-sidebar-finding[data-finding="upnp-port-mapping"]').waitFor();
    const text = (await panel.textContent()) ?? '';
    assert.ok(!/hik-sidebar\.|findings\.|severity\./.test(text), `a raw catalog key: ${text}`);
    assert.deepEqual(pageErrors, []);

    const camera = fleet.devices[0]!;
    assert.equal(camera.counters.exploitLikeRequests, 0);
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.writeRequests, 0, 'enrolment and audit only read');
  });
});
