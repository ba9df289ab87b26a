/**
 * "Trust the new certificate" in a real headless Chromium: a camera's certificate changes, Rotate
 * now is refused (HIK_ERR_CERT_CHANGED), the expanded row then offers to trust the new
 * certificate, shows both fingerprints, pins the presented one only on the second click, and
 * Rotate now works again. Every text is a sentence from the catalog, never a raw key.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { SimFleet, type SimFleetMember } from '../../sim';
import { loadSimCertificate, type SimCertificateName } from '../../sim/tls-certificates';
import { CHROMIUM, launchBrowser, type TestBrowser } from '../support/browser';
import { startNodeRed, type NodeRedProcess } from '../support/node-red-process';

const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

const PASSWORD = 'Browser-Repin-7k!';
const LOGIN = 'editor-login-pw';
const SERIAL = 'DS-2CD2386G2-IU20240201AAWRK00000081';
const fingerprintOf = (name: SimCertificateName): string =>
  new X509Certificate(loadSimCertificate(name).cert).fingerprint256;

const members: SimFleetMember[] = [
  {
    adminPassword: PASSWORD,
    deviceType: 'IPCamera',
    model: 'DS-2CD2386G2-IU',
    serialNumber: SERIAL,
    macAddress: 'c0:56:e3:00:08:01',
  },
];

declare const RED: {
  nodes: { getType(type: string): unknown };
  sidebar: { show(id: string): void };
  workspaces: { active(): string };
};

describe('the sidebar trusts a changed certificate only when asked twice (Chromium)', function () {
  this.timeout(90_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;
  let chromium: TestBrowser;

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.81', port: 0, https: true });
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
      credentials: { dev1: { password: PASSWORD } },
    });
    chromium = await launchBrowser();
  });

  after(async function () {
    await (chromium as TestBrowser | undefined)?.close();
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  async function editor(): Promise<Page> {
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
    await page.goto(`${red.base}/`);
    await page.waitForFunction(
      "typeof RED !== 'undefined' && RED.nodes && RED.nodes.getType('hik-credentials') && RED.workspaces.active()",
      undefined,
      { timeout: 30_000 },
    );
    await page.evaluate(() => RED.sidebar.show('hik-guard'));
    return page;
  }

  it('offers Trust the new certificate after a refused rotation, shows both fingerprints, pins on confirmation', async () => {
    const camera = fleet.devices[0]!;
    const page = await editor();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const row = page.locator(`.hik-sidebar-row[data-key="${SERIAL}"]`);
    const panel = page.locator(`.hik-sidebar-details[data-key="${SERIAL}"]`);
    await row
      .locator('.hik-sidebar-col-vault', { hasText: 'Password in vault' })
      .waitFor({ timeout: 20_000 });
    await row.click();
    await panel.locator('.hik-sidebar-rotate').waitFor({ timeout: 20_000 });
    assert.equal(await panel.locator('.hik-sidebar-trust').count(), 0, 'not offered while nothing failed');

    const pinned = fingerprintOf(camera.certificateName);
    const next: SimCertificateName = camera.certificateName === 'b' ? 'c' : 'b';
    camera.useCertificate(next);
    const presented = fingerprintOf(next);
    await panel.locator('.hik-sidebar-rotate').click();
    await panel
      .locator('.hik-sidebar-result', { hasText: /^Rotation failed at .+: Device certificate changed/ })
      .waitFor({ timeout: 30_000 });

    const trust = panel.locator('.hik-sidebar-trust');
    await trust.waitFor({ timeout: 20_000 });
    assert.match(await panel.locator('.hik-sidebar-explain').innerText(), /another TLS certificate/);
    await trust.click();
    const confirm = panel.locator('.hik-sidebar-trust-confirm');
    await confirm.waitFor({ timeout: 20_000 });
    const shown = await panel.locator('.hik-sidebar-confirm').innerText();
    assert.ok(shown.includes(pinned), 'the pinned fingerprint is shown');
    assert.ok(shown.includes(presented), 'the presented fingerprint is shown');
    assert.match(
      await panel.locator('.hik-sidebar-result').innerText(),
      /^Compare the presented fingerprint/,
    );

    await confirm.click();
    await panel
      .locator('.hik-sidebar-result', { hasText: /^Trusted at .+: the new certificate is pinned/ })
      .waitFor({ timeout: 20_000 });
    await trust.waitFor({ state: 'detached', timeout: 20_000 });
    assert.equal(await panel.locator('.hik-sidebar-confirm').innerText(), '');

    await panel.locator('.hik-sidebar-rotate').click();
    await panel.locator('.hik-sidebar-result', { hasText: /^Rotated at / }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(
      await page.locator('.hik-sidebar').innerText(),
      /\b(hik-sidebar|errors|certificate)\.[\w.]+|node-red-contrib-hik-guard/,
    );
    assert.equal(camera.counters.failedLogins, 0);
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
