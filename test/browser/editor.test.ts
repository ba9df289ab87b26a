/**
 * The editor in a real headless Chromium (Debian's, through playwright-core) against a real
 * Node-RED with the built package, adminAuth on, and the simulator on loopback: the sidebar lists
 * the simulated devices and turns a row to "inactive" when one is factory-reset; only a user with
 * `hik-guard.reveal` sees a password; every node is added and configured through its dialog and
 * the flow deploys. With HIK_GUARD_SCREENSHOTS=1 the screenshots refresh docs/images/ (used in
 * the README).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SimFleet, type SimFleetMember } from '../../sim';
import { CHROMIUM, launchBrowser, type TestBrowser } from '../support/browser';
import { startNodeRed, type NodeRedProcess } from '../support/node-red-process';

const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

// The README's images are refreshed only on request (HIK_GUARD_SCREENSHOTS=1), so a test run
// leaves the working tree as it was; otherwise the screenshots are still taken, into a temp dir.
const IMAGES = process.env.HIK_GUARD_SCREENSHOTS
  ? join(__dirname, '..', '..', 'docs', 'images')
  : mkdtempSync(join(tmpdir(), 'hik-guard-screenshots-'));
after(() => {
  if (!process.env.HIK_GUARD_SCREENSHOTS) rmSync(IMAGES, { recursive: true, force: true });
});
const PASSWORD = 'Browser-Canary-9q!';
const LOGIN = 'editor-login-pw';

const members: SimFleetMember[] = [
  ['DS-2CD2386G2-IU', 'DS-2CD2386G2-IU20240201AAWRK00000071', 'c0:56:e3:00:07:01'],
  ['DS-2CD2043G2-I', 'DS-2CD2043G2-I20240301AAWRK00000072', 'c0:56:e3:00:07:02'],
].map(([model, serialNumber, macAddress]) => ({
  adminPassword: PASSWORD,
  deviceType: 'IPCamera',
  model,
  serialNumber,
  macAddress,
}));
const [serial1, serial2] = members.map((m) => m.serialNumber as string) as [string, string];

interface EditorNode {
  id: string;
  type: string;
  users: unknown[];
  devices?: unknown[];
}

declare const RED: {
  nodes: {
    getType(type: string): unknown;
    node(id: string): unknown;
    eachConfig(visit: (node: EditorNode) => void): void;
  };
  events: { emit(name: string, node: unknown): void };
  sidebar: { show(id: string): void };
  view: { importNodes(nodes: object[]): void };
  editor: { edit(node: unknown): void; editConfig(name: string, type: string, id: string): void };
  workspaces: { active(): string };
};

describe('the editor in Chromium', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;
  let chromium: TestBrowser;

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.71', port: 0, sadp: true });
    const [d1, d2] = fleet.devices;
    const device = (id: string, name: string, sim: typeof d1) => ({
      id,
      type: 'hik-device',
      name,
      host: sim!.host,
      port: sim!.port,
      protocol: 'http',
      username: 'admin',
      serial: '',
      allowHttpPasswordChange: true,
      version: 2,
    });
    const hash = bcrypt.hashSync(LOGIN, 4);
    red = await startNodeRed({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'viewer', password: hash, permissions: 'read' },
            { username: 'owner', password: hash, permissions: '*' },
          ],
        },
      },
      flows: [
        { id: 'tab1', type: 'tab', label: 'Hik Guard' },
        device('dev1', 'Front door', d1),
        device('dev2', 'Garden', d2),
        {
          id: 'disc1',
          type: 'hik-discover',
          z: 'tab1',
          name: 'loopback',
          interfaces: '127.0.0.1',
          targets: '',
          windowMs: 1000,
          intervalSeconds: 30,
          passive: true,
          goneAfterSeconds: 120,
          sendList: false,
          outputs: 1,
          version: 1,
          x: 150,
          y: 80,
          wires: [['reset1']],
        },
        {
          id: 'reset1',
          type: 'hik-reset',
          z: 'tab1',
          name: 'watch',
          devices: [{ device: 'dev1' }, { device: 'dev2' }],
          listed: '',
          server: '',
          pollSeconds: 2,
          passive: true,
          interfaces: '127.0.0.1',
          offlineAfter: 3,
          version: 1,
          x: 350,
          y: 80,
          wires: [[], []],
        },
        {
          id: 'cred1',
          type: 'hik-credentials',
          z: 'tab1',
          name: 'rotation',
          devices: [{ device: 'dev1' }, { device: 'dev2' }],
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
          x: 350,
          y: 160,
          wires: [[]],
        },
      ],
      credentials: { dev1: { password: PASSWORD }, dev2: { password: PASSWORD } },
    });
    chromium = await launchBrowser();
  });

  after(async function () {
    await (chromium as TestBrowser | undefined)?.close();
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  async function editorAs(username: string): Promise<Page> {
    const response = await fetch(`${red.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '',
        username,
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
      // A string: RED only exists once the editor has loaded it, which the declaration cannot say.
      "typeof RED !== 'undefined' && RED.nodes && RED.nodes.getType('hik-reset') && RED.workspaces.active()",
      undefined,
      {
        timeout: 30_000,
      },
    );
    await page.evaluate(() => RED.sidebar.show('hik-guard'));
    return page;
  }

  const row = (page: Page, serial: string) => page.locator(`.hik-sidebar-row[data-key="${serial}"]`);

  it('lists the simulated devices in the Hik Guard sidebar and turns a reset one to inactive', async () => {
    const page = await editorAs('owner');
    await row(page, serial1).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 20_000 });
    await row(page, serial2).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 20_000 });
    await page.locator('.hik-sidebar').screenshot({ path: join(IMAGES, 'sidebar.png') });

    await fleet.devices[1]!.factoryReset();
    await row(page, serial2).and(page.locator('[data-activation="inactive"]')).waitFor({ timeout: 20_000 });
    assert.equal(await row(page, serial2).locator('.hik-sidebar-activation').textContent(), 'inactive');
    await page.locator('.hik-sidebar').screenshot({ path: join(IMAGES, 'sidebar-inactive.png') });
    await page.context().close();
  });

  it('counts every hik-device as used by each node that lists it, so none is offered as unused', async () => {
    const page = await editorAs('owner');
    const usersOf = () =>
      page.evaluate(() => {
        const users: Record<string, string[]> = {};
        RED.nodes.eachConfig((n) => {
          if (n.type === 'hik-device') users[n.id] = n.users.map((u) => (u as EditorNode).id);
        });
        return users;
      });
    assert.deepEqual(await usersOf(), { dev1: ['reset1', 'cred1'], dev2: ['reset1', 'cred1'] });
    // The count follows the lists: a device taken off both is unused again, as Node-RED would say.
    await page.evaluate(() => {
      for (const id of ['reset1', 'cred1']) {
        const node = RED.nodes.node(id) as EditorNode;
        node.devices = [{ device: 'dev1' }];
        RED.events.emit('nodes:change', node);
      }
    });
    assert.deepEqual(await usersOf(), { dev1: ['reset1', 'cred1'], dev2: [] });
    await page.context().close();
  });

  it('reveals a password to a user with hik-guard.reveal, and not to a reader', async () => {
    const viewer = await editorAs('viewer');
    await row(viewer, serial1).locator('.hik-sidebar-reveal').click({ timeout: 20_000 });
    await viewer.locator('.hik-sidebar-notice', { hasText: 'permission' }).waitFor();
    assert.equal(await viewer.locator('.hik-sidebar-password').count(), 0);
    assert.ok(!(await viewer.content()).includes(PASSWORD));
    await viewer.context().close();

    const owner = await editorAs('owner');
    await row(owner, serial1).locator('.hik-sidebar-reveal').click({ timeout: 20_000 });
    assert.equal(await owner.locator('.hik-sidebar-password').textContent(), PASSWORD);
    await owner.locator('.hik-sidebar-secret button').click();
    assert.equal(await owner.locator('.hik-sidebar-password').count(), 0, 'gone once hidden');
    await owner.context().close();
  });

  it('adds and configures each node through its dialog, tests connections and deploys', async () => {
    const page = await editorAs('owner');
    const sim = fleet.devices[0]!;

    // hik-device: typed address, Test connection, Pick from discovered devices.
    await page.evaluate(() => RED.editor.editConfig('', 'hik-device', '_ADD_'));
    await page.locator('#node-config-input-host').fill(sim.host!);
    await page.locator('#node-config-input-protocol').selectOption('http');
    await page.locator('#node-config-input-port').fill(String(sim.port));
    await page.locator('#node-config-input-password').fill(PASSWORD);
    await page.locator('#hik-device-test').click();
    await page.locator('#hik-device-test-result', { hasText: serial1 }).waitFor({ timeout: 15_000 });
    await page.locator('#hik-device-pick').click();
    await page.locator('.hik-device-discovered-item').first().waitFor({ timeout: 15_000 });
    await page
      .locator('.red-ui-tray')
      .last()
      .screenshot({ path: join(IMAGES, 'dialog-hik-device.png') });
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await page.evaluate(() => RED.editor.editConfig('', 'hik-homeassistant', '_ADD_'));
    await page.locator('#node-config-input-url').fill('http://127.0.0.1:8123');
    await page
      .locator('.red-ui-tray')
      .last()
      .screenshot({ path: join(IMAGES, 'dialog-hik-homeassistant.png') });
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    const flowNodes: [string, (p: Page) => Promise<void>][] = [
      ['hik-discover', (p) => p.locator('#node-input-interfaces').fill('127.0.0.1')],
      ['hik-credentials', (p) => p.locator('.red-ui-editableList-addButton').click()],
      [
        'hik-reset',
        async (p) => {
          await p.locator('#node-input-passive').check();
          await p.locator('#node-input-interfaces').fill('127.0.0.1');
        },
      ],
    ];
    let y = 200;
    for (const [type, configure] of flowNodes) {
      // As a user does: drag it from the palette (which applies its defaults), then edit it.
      await page
        .locator(`.red-ui-palette-node[data-palette-type="${type}"]`)
        .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 250, y: (y += 70) } });
      await page.evaluate(() =>
        RED.editor.edit((RED.view as unknown as { selection(): { nodes: unknown[] } }).selection().nodes[0]),
      );
      await page.locator('#node-input-name').fill(`from the dialog: ${type}`);
      await configure(page);
      await page
        .locator('.red-ui-tray')
        .last()
        .screenshot({ path: join(IMAGES, `dialog-${type}.png`) });
      await page.locator('#node-dialog-ok').click();
      await page.locator('#node-input-name').waitFor({ state: 'detached' });
    }

    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification', { hasText: /deployed/i }).waitFor({ timeout: 20_000 });
    const flows = (await (
      await fetch(`${red.base}/flows`, {
        headers: {
          authorization: `Bearer ${await page.evaluate(() => (JSON.parse(localStorage.getItem('auth-tokens') ?? '{}') as { access_token: string }).access_token)}`,
        },
      })
    ).json()) as { type: string; name?: string }[];
    for (const [type] of flowNodes) {
      assert.ok(
        flows.some((n) => n.type === type && n.name === `from the dialog: ${type}`),
        type,
      );
    }
    assert.doesNotMatch(red.output(), /\[error\]/);
    await page.context().close();
  });
});
