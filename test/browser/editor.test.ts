/**
 * The editor in a real headless Chromium (Debian's, through playwright-core) against a real
 * Node-RED with the built package, adminAuth on, and the simulator on loopback: the sidebar lists
 * the simulated devices, turns a row to "inactive" when one is factory-reset and re-claims it from
 * the row, sorts by any column header (mouse or keyboard), expands rows, answers Verify with its
 * result, and opens from the View menu or ctrl-g g; only a user with `hik-guard.reveal` sees a
 * password; every node is added and configured through its dialog and
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
import { HaTestServer } from '../support/ha-test-server';
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
// The layout, palette and status screenshots: kept in HIK_GUARD_SHOTS_DIR when set (to look at).
const SHOTS = process.env.HIK_GUARD_SHOTS_DIR ?? IMAGES;
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
  consumers?: { type: string }[];
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
  const details = (page: Page, serial: string) => page.locator(`.hik-sidebar-details[data-key="${serial}"]`);
  /** The simulated devices' serials in the order the sidebar shows them. */
  const shownOrder = (page: Page) =>
    page
      .locator('.hik-sidebar-row')
      .evaluateAll(
        (rows, serials) =>
          rows.map((r) => r.getAttribute('data-key') ?? '').filter((k) => serials.includes(k)),
        [serial1, serial2],
      );
  /** Text that looks like a catalog key (`hik-sidebar.x.y`, `errors.HIK_ERR_X`) rather than words. */
  const RAW_KEY = /\b(hik-sidebar|errors|activation|vault|reason)\.[\w.]+|node-red-contrib-hik-guard/;

  it('lists the simulated devices in the Hik Guard sidebar, turns a reset one to inactive and re-claims it', async () => {
    const page = await editorAs('owner');
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await row(page, serial1).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 20_000 });
    await row(page, serial2).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 20_000 });
    await row(page, serial1).locator('.hik-sidebar-col-vault', { hasText: 'Password in vault' }).waitFor();
    const cells = (await row(page, serial1).locator('td').allTextContents()).map((text) => text.trim());
    assert.deepEqual(
      [cells[0], cells[1], cells[2], cells[3], cells[4], cells[8]],
      ['Front door', 'active', 'DS-2CD2386G2-IU', fleet.devices[0]!.host, serial1, 'Password in vault'],
      'name, state, model, IP, serial, (firmware, last seen, next rotation,) vault in words',
    );
    await page.locator('.hik-sidebar').screenshot({ path: join(IMAGES, 'sidebar.png') });

    await fleet.devices[1]!.factoryReset();
    await row(page, serial2).and(page.locator('[data-activation="inactive"]')).waitFor({ timeout: 20_000 });
    assert.equal(await row(page, serial2).locator('.hik-sidebar-activation').textContent(), 'inactive');
    // Its own poll saw it reset and the vault knows it: its row offers Re-claim, and says why.
    await row(page, serial2).click();
    const reclaim = details(page, serial2).locator('.hik-sidebar-reclaim');
    await reclaim.waitFor({ timeout: 20_000 });
    assert.match(await details(page, serial2).locator('.hik-sidebar-explain').innerText(), /was reset/);
    await page.locator('.hik-sidebar').screenshot({ path: join(IMAGES, 'sidebar-inactive.png') });
    assert.doesNotMatch(await page.locator('.hik-sidebar').innerText(), RAW_KEY);

    await reclaim.click();
    await details(page, serial2)
      .locator('.hik-sidebar-result', { hasText: /^Re-claimed at .+: the device is activated again/ })
      .waitFor({ timeout: 30_000 });
    await row(page, serial2).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 20_000 });
    // The answer stays with the row through every refresh of the table.
    assert.match(await details(page, serial2).locator('.hik-sidebar-result').innerText(), /^Re-claimed at/);
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  it('sorts the table by a column header, by mouse and by keyboard, both ways', async () => {
    const page = await editorAs('owner');
    await row(page, serial2).waitFor({ timeout: 20_000 });
    const header = (column: string) => page.locator(`.hik-sidebar-sort[data-sort="${column}"]`);
    const sortOf = (column: string) =>
      page.locator('.hik-sidebar-table th', { has: header(column) }).getAttribute('aria-sort');
    // By name at first: Front door (serial1), Garden (serial2).
    assert.deepEqual(await shownOrder(page), [serial1, serial2]);
    assert.equal(await sortOf('name'), 'ascending');
    await header('name').click();
    assert.deepEqual(await shownOrder(page), [serial2, serial1]);
    assert.equal(await sortOf('name'), 'descending');
    // The header is a button: Tab to it and press Enter, the focus stays on it.
    await header('ip').focus();
    await page.keyboard.press('Enter');
    assert.equal(await sortOf('ip'), 'ascending');
    assert.equal(await sortOf('name'), 'none');
    assert.deepEqual(await shownOrder(page), [serial1, serial2], '127.0.0.71 before 127.0.0.72');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-sort')), 'ip');
    await page.keyboard.press('Enter');
    assert.equal(await sortOf('ip'), 'descending');
    assert.deepEqual(await shownOrder(page), [serial2, serial1]);
    await page.context().close();
  });

  it('expands a row by click or Enter, and Verify answers with its result in words', async () => {
    const page = await editorAs('owner');
    await row(page, serial1).waitFor({ timeout: 20_000 });
    await row(page, serial1).click();
    assert.equal(await row(page, serial1).getAttribute('aria-expanded'), 'true');
    const panel = details(page, serial1);
    assert.equal(await panel.locator('.red-ui-info-table td', { hasText: serial1 }).count(), 1);
    await panel.locator('.hik-sidebar-verify').click();
    await panel
      .locator('.hik-sidebar-result', { hasText: /^Verified at .+: the vault's password opens the device/ })
      .waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await page.locator('.hik-sidebar').innerText(), RAW_KEY);
    await page.locator('.hik-sidebar').screenshot({ path: join(IMAGES, 'sidebar-verified.png') });
    // Enter on the focused row closes it, and opens it again with the answer still there.
    await row(page, serial1).focus();
    await page.keyboard.press('Enter');
    assert.equal(await details(page, serial1).count(), 0);
    assert.equal(await row(page, serial1).getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('Enter');
    await details(page, serial1)
      .locator('.hik-sidebar-result', { hasText: /^Verified at/ })
      .waitFor();
    await page.context().close();
  });

  it('opens the Hik Guard tab from the View menu and with ctrl-g g', async () => {
    const page = await editorAs('owner');
    const tab = page.locator('.hik-sidebar');
    await tab.waitFor();
    await page.evaluate(() => RED.sidebar.show('info'));
    await tab.waitFor({ state: 'hidden' });
    await page.locator('#red-ui-header-button-sidemenu').click();
    await page.locator('#menu-item-view-menu').hover();
    await page.locator('#menu-item-view-menu-hik-guard').click();
    await tab.waitFor();

    await page.evaluate(() => RED.sidebar.show('info'));
    await tab.waitFor({ state: 'hidden' });
    await page.locator('#red-ui-workspace-chart').click({ position: { x: 600, y: 400 } });
    await page.keyboard.press('Control+g');
    await page.keyboard.press('g');
    await tab.waitFor();
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
    await row(viewer, serial1).click({ timeout: 20_000 });
    await details(viewer, serial1).locator('.hik-sidebar-reveal').click();
    await details(viewer, serial1).locator('.hik-sidebar-result', { hasText: 'permission' }).waitFor();
    assert.equal(await viewer.locator('.hik-sidebar-password').count(), 0);
    assert.ok(!(await viewer.content()).includes(PASSWORD));
    await viewer.context().close();

    const owner = await editorAs('owner');
    await row(owner, serial1).click({ timeout: 20_000 });
    await details(owner, serial1).locator('.hik-sidebar-reveal').click();
    assert.equal(await owner.locator('.hik-sidebar-password').textContent(), PASSWORD);
    await owner.locator('.hik-sidebar-secret .hik-sidebar-hide').click();
    // gone once hidden
    await owner.locator('.hik-sidebar-password').waitFor({ state: 'detached' });
    await details(owner, serial1).locator('.hik-sidebar-reveal').click();
    await owner.locator('.hik-sidebar-password').waitFor();
    await row(owner, serial1).click();
    // gone once the row closes
    await owner.locator('.hik-sidebar-password').waitFor({ state: 'detached' });
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
  it('adds a new device from a rotation node’s device list, and a new holder from the device’s Holders', async () => {
    const page = await editorAs('owner');
    const devicesBefore = await page.evaluate(() => {
      const ids: string[] = [];
      RED.nodes.eachConfig((config) => {
        if (config.type === 'hik-device') ids.push(config.id);
      });
      return ids;
    });
    await page
      .locator('.red-ui-palette-node[data-palette-type="hik-credentials"]')
      .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 300, y: 520 } });
    await page.evaluate(() =>
      RED.editor.edit((RED.view as unknown as { selection(): { nodes: unknown[] } }).selection().nodes[0]),
    );
    await page.locator('#node-input-name').waitFor();
    await page.locator('.red-ui-editableList-addButton').first().click();
    const select = page.locator('.node-input-device').last();
    await select.selectOption({ label: 'Add new hik device…' });
    // The device's own dialog opens on top; what it saves is chosen in the row.
    await page.locator('#node-config-input-host').fill('127.0.0.99');
    await page.locator('#node-config-input-name').fill('Added from the list');

    // Its Holders list adds a go2rtc configuration the same way.
    await page
      .locator('.red-ui-editableList', { has: page.locator('#hik-device-consumers') })
      .locator('.red-ui-editableList-addButton')
      .click();
    const holder = page.locator('.hik-device-consumer-config').last();
    await holder.selectOption({ label: 'Add new go2rtc configuration…' });
    await page.locator('#node-config-input-url').fill('http://127.0.0.98:1984');
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-url').waitFor({ state: 'detached' });
    const chosenHolder = await holder.locator('option:checked').textContent();
    assert.match(chosenHolder ?? '', /^go2rtc: /);

    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-host').waitFor({ state: 'detached' });
    assert.equal(await select.locator('option:checked').textContent(), 'Added from the list');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-input-name').waitFor({ state: 'detached' });

    const added = await page.evaluate((before) => {
      const fresh: EditorNode[] = [];
      RED.nodes.eachConfig((config) => {
        if (config.type === 'hik-device' && !before.includes(config.id)) fresh.push(config);
      });
      const rotation = (RED.view as unknown as { selection(): { nodes: EditorNode[] } }).selection().nodes[0];
      const device = fresh[0];
      return {
        device: device ? { id: device.id, holder: (device.consumers ?? [])[0]?.type ?? null } : null,
        listed: (rotation?.devices ?? []).some((ref) => (ref as { device: string }).device === device?.id),
      };
    }, devicesBefore);
    assert.ok(added.device, 'a new hik-device exists');
    assert.ok(added.listed, 'the rotation node lists it');
    assert.equal(added.device.holder, 'go2rtc');
    await page.context().close();
  });

  // Dialogs, palette and statuses as a user first meets them: Node-RED's default dialog width, no
  // label on two lines, no field or choice cut off, no raw catalog key anywhere.
  it('opens every dialog at the default width with one-line labels and nothing cut off', async () => {
    const page = await editorAs('owner');
    const problems: string[] = [];
    const check = async (what: string) => {
      problems.push(...(await layoutProblems(page, what)));
      await page
        .locator('.red-ui-tray')
        .last()
        .screenshot({ path: join(SHOTS, `layout-${what.replace(/\W+/g, '-')}.png`) });
    };

    // A core node's dialog first: what the measurements accept as Node-RED's own.
    await page.evaluate(() => {
      (RED.view as unknown as { importNodes(n: object[], o: object): void }).importNodes(
        [{ id: 'core1', type: 'debug', z: RED.workspaces.active(), x: 100, y: 600, wires: [] }],
        { generateIds: false, touchImport: true, notify: false },
      );
      RED.editor.edit(RED.nodes.node('core1'));
    });
    await page.locator('#node-input-name').waitFor();
    await check('core debug');
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-input-name').waitFor({ state: 'detached' });
    await page.evaluate(() => (RED.nodes as unknown as { remove(id: string): void }).remove('core1'));
    await page.evaluate(() => RED.editor.editConfig('', 'hik-device', 'dev1'));
    await page.locator('#node-config-input-host').waitFor();
    await check('hik-device');
    await page.locator('#node-config-input-protocol').selectOption('https');
    await check('hik-device https');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await page.evaluate(() => RED.editor.editConfig('', 'hik-homeassistant', '_ADD_'));
    await page.locator('#node-config-input-url').waitFor();
    await check('hik-homeassistant');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await page.evaluate(() => RED.editor.editConfig('', 'hik-frigate', '_ADD_'));
    await page.locator('#node-config-input-url').waitFor();
    await check('hik-frigate');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    await page.evaluate(() => RED.editor.editConfig('', 'hik-mqtt', '_ADD_'));
    await page.locator('#node-config-input-url').fill('mqtts://homeassistant.local:8883');
    // A DOM click: Node-RED 5's tray may still be sliding in, where a pointer click can miss.
    const allow = page.locator('#node-config-input-allowActions');
    await allow.evaluate((box) => (box as HTMLInputElement).click());
    assert.equal(await allow.isChecked(), true);
    await check('hik-mqtt');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    for (const id of ['disc1', 'reset1', 'cred1']) {
      await page.evaluate((nodeId) => RED.editor.edit(RED.nodes.node(nodeId)), id);
      await page.locator('#node-input-name').waitFor();
      const type = await page.evaluate((nodeId) => (RED.nodes.node(nodeId) as EditorNode).type, id);
      if (type === 'hik-credentials') {
        for (const schedule of ['days', 'cron', 'manual']) {
          await page.locator('#node-input-scheduleType').selectOption(schedule);
          await check(`${type} ${schedule}`);
        }
      } else {
        await check(type);
      }
      await page.locator('#node-dialog-cancel').click();
      await page.locator('#node-input-name').waitFor({ state: 'detached' });
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('lists discovered devices by address, then serial, and opens a listed device for editing', async () => {
    const page = await editorAs('owner');
    await page.evaluate(() => RED.editor.editConfig('', 'hik-device', '_ADD_'));
    await page.locator('#hik-device-pick').click();
    const items = page.locator('.hik-device-discovered-item');
    await items.nth(1).waitFor({ timeout: 15_000 });
    const shown = await items.evaluateAll((buttons) =>
      buttons.map((b) => [b.getAttribute('data-ip') ?? '', b.getAttribute('data-serial') ?? '']),
    );
    const byAddress = (ip: string) =>
      ip
        .split('.')
        .map((part) => part.padStart(3, '0'))
        .join('.');
    const sorted = [...shown].sort(
      ([ipA, serialA], [ipB, serialB]) =>
        byAddress(ipA!).localeCompare(byAddress(ipB!)) || serialA!.localeCompare(serialB!),
    );
    assert.deepEqual(shown, sorted);
    assert.deepEqual(
      shown.map(([, serial]) => serial).sort(),
      [serial1, serial2].sort(),
      'each device once, with its serial',
    );
    // Readable: address, model and state on one line, the whole serial under them, nothing cut off.
    const first = items.first();
    assert.equal(await first.locator('.hik-device-discovered-ip').textContent(), shown[0]![0]);
    assert.equal(await first.locator('.hik-device-discovered-serial').textContent(), shown[0]![1]);
    const cutOff = await items.evaluateAll((buttons) =>
      buttons.flatMap((b) =>
        Array.from(b.querySelectorAll<HTMLElement>('[class^="hik-device-discovered-"]'))
          .filter((part) => part.scrollWidth > part.clientWidth)
          .map((part) => `${part.className}: ${part.textContent}`),
      ),
    );
    assert.deepEqual(cutOff, []);
    await page
      .locator('.red-ui-tray')
      .last()
      .screenshot({ path: join(SHOTS, 'pick-discovered.png') });
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' });

    for (const id of ['reset1', 'cred1']) {
      await page.evaluate((nodeId) => RED.editor.edit(RED.nodes.node(nodeId)), id);
      const rows = page.locator('#node-input-devices-container .red-ui-editableList-item-content');
      await rows.first().waitFor();
      await rows.nth(1).locator('.hik-device-edit').click();
      await page.locator('#node-config-input-host').waitFor();
      assert.equal(await page.locator('#node-config-input-name').inputValue(), 'Garden', id);
      await page
        .locator('.red-ui-tray')
        .last()
        .screenshot({ path: join(SHOTS, `edit-device-from-${id}.png`) });
      await page.locator('#node-config-dialog-cancel').click();
      await page.locator('#node-config-input-host').waitFor({ state: 'detached' });
      await page.locator('#node-dialog-cancel').click();
      await page.locator('#node-input-name').waitFor({ state: 'detached' });
    }
    await page.context().close();
  });

  it('answers Home Assistant Test connection in sentences', async () => {
    const ADMIN = 'ha-admin-token-browser-7731';
    const USER = 'ha-user-token-browser-7732';
    const ha = await HaTestServer.start({
      tokens: { [ADMIN]: { isAdmin: true }, [USER]: { isAdmin: false } },
      haVersion: '2026.1.0',
    });
    const closed = await HaTestServer.start({ tokens: {} });
    const nowhere = closed.url;
    await closed.stop();
    const page = await editorAs('owner');
    try {
      await page.evaluate(() => RED.editor.editConfig('', 'hik-homeassistant', '_ADD_'));
      const answers: Record<string, string> = {};
      const cases: [string, string, string][] = [
        ['admin', ha.url, ADMIN],
        ['not admin', ha.url, USER],
        ['refused', ha.url, 'wrong-token'],
        ['no scheme', ha.url.replace(/^http:\/\//, ''), ADMIN],
        ['nothing there', nowhere, ADMIN],
        ['no token', ha.url, ''],
      ];
      for (const [name, url, token] of cases) {
        await page.locator('#node-config-input-url').fill(url);
        await page.locator('#node-config-input-token').fill(token);
        await page.locator('#hik-homeassistant-test').click();
        const result = page.locator('#hik-homeassistant-test-result');
        await page.waitForFunction(
          () => !/…$/.test(document.querySelector('#hik-homeassistant-test-result')?.textContent ?? '…'),
          undefined,
          { timeout: 15_000 },
        );
        answers[name] = ((await result.textContent()) ?? '').trim();
      }
      await page
        .locator('.red-ui-tray')
        .last()
        .screenshot({ path: join(SHOTS, 'ha-test-connection.png') });
      assert.deepEqual(answers, {
        admin: "Home Assistant 2026.1.0 answered; the token is an administrator's.",
        'not admin':
          "Home Assistant 2026.1.0 accepted the token, but its user is not an administrator; hik guard needs an administrator's token.",
        refused:
          'Home Assistant refused the token. Create a long-lived access token in your Home Assistant profile and paste it here.',
        'no scheme': 'The URL needs http:// or https:// and a host, e.g. http://homeassistant.local:8123.',
        'nothing there':
          'Nothing answers at that address. Check the host and the port (Home Assistant uses 8123 unless you changed it).',
        'no token':
          'Type the access token first (a deployed token is only sent to the URL it was deployed with).',
      });
      assert.ok(!red.output().includes(ADMIN) && !red.output().includes(USER), 'no token in the log');
    } finally {
      await page.context().close();
      await ha.stop();
    }
  });

  it('shows palette labels on one line and icons that read like the core nodes', async () => {
    const page = await editorAs('owner');
    const palette = await page.evaluate(() => {
      const heights: Record<string, number> = {};
      for (const type of ['inject', 'hik-discover', 'hik-credentials', 'hik-reset']) {
        heights[type] =
          document.querySelector<HTMLElement>(`.red-ui-palette-node[data-palette-type="${type}"]`)
            ?.offsetHeight ?? -1;
      }
      const { inject: core = -1, ...ours } = heights;
      return { core, ours };
    });
    assert.ok(palette.core > 0, 'the inject node is in the palette');
    assert.deepEqual(palette.ours, {
      'hik-discover': palette.core,
      'hik-credentials': palette.core,
      'hik-reset': palette.core,
    });
    const category = page.locator('.red-ui-palette-category', {
      has: page.locator('.red-ui-palette-node[data-palette-type="hik-reset"]'),
    });
    await category.screenshot({ path: join(SHOTS, 'palette.png') });
    await page.locator('#red-ui-workspace-chart').screenshot({ path: join(SHOTS, 'workspace.png') });
    await page.context().close();
  });

  it('shows node statuses in words: an unreachable Home Assistant on the node that uses it', async () => {
    const closed = await HaTestServer.start({ tokens: {} });
    const nowhere = closed.url;
    await closed.stop();
    const page = await editorAs('owner');
    await page.evaluate(
      ([url]) => {
        const view = RED.view as unknown as { importNodes(nodes: object[], options: object): void };
        view.importNodes(
          [
            {
              id: 'ha-away',
              type: 'hik-homeassistant',
              name: 'away',
              url,
              verifyTls: true,
              ca: '',
              notifications: false,
              notifyService: '',
              version: 1,
            },
            {
              id: 'reset-ha',
              type: 'hik-reset',
              z: RED.workspaces.active(),
              name: 'alerts to an absent HA',
              devices: [],
              listed: '',
              server: 'ha-away',
              pollSeconds: 60,
              passive: false,
              interfaces: '',
              offlineAfter: 3,
              version: 1,
              x: 350,
              y: 480,
              wires: [[], []],
            },
          ],
          // Placed where they are (not attached to the mouse for placing), no notification.
          { generateIds: false, touchImport: true, notify: false },
        );
        (RED.nodes.node('ha-away') as { credentials?: object }).credentials = { token: 'browser-ha-token' };
        (RED.nodes as unknown as { dirty(d: boolean): void }).dirty(true);
      },
      [nowhere],
    );
    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification', { hasText: /deployed/i }).waitFor({ timeout: 20_000 });
    const status = page.locator('[id="reset-ha"] .red-ui-flow-node-status-label');
    await status.filter({ hasText: 'Home Assistant unreachable; retrying' }).waitFor({ timeout: 15_000 });
    const shown = await page.locator('.red-ui-flow-node-status-label').allTextContents();
    assert.deepEqual(
      shown.filter((text) => /^[\w-]+(\.[\w-]+)+$/.test(text.trim())),
      [],
      `raw catalog keys among ${JSON.stringify(shown)}`,
    );
    await page.locator('#red-ui-workspace-chart').screenshot({ path: join(SHOTS, 'statuses.png') });
    // Several retries later the outage is still one log line, with its reason.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const logged = red
      .output()
      .split('\n')
      .filter((line) => line.includes('Cannot reach Home Assistant'));
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0]!, /HIK_ERR_HA_UNREACHABLE/);
    await page.context().close();
  });
});

/**
 * What is wrapped or cut off in the open dialog (the topmost tray) at its current width: a
 * `.form-row label` taller than one line, an input or select whose content is wider than it (its
 * scroll width, and the text of its value, placeholder or longest option measured in its font).
 */
async function layoutProblems(page: Page, what: string): Promise<string[]> {
  // No helper functions inside: tsx names them with a `__name` call the page does not have.
  const problems = await page.evaluate(() => {
    const trays = document.querySelectorAll<HTMLElement>('.red-ui-tray');
    const tray = trays[trays.length - 1];
    if (!tray) return ['no dialog open'];
    const out: string[] = [];
    // Node-RED opens a dialog 500px wide, or as wide as a form tip needs (max-width 450px plus its
    // padding), measured here with a probe tip; content wider than that makes the dialog grow.
    const form = tray.querySelector<HTMLElement>('form');
    if (form) {
      const tip = document.createElement('div');
      tip.className = 'form-tips';
      tip.style.display = 'inline-block';
      tip.textContent = 'x '.repeat(200);
      form.append(tip);
      const tipWidth = tip.getBoundingClientRect().width;
      tip.remove();
      const trayWidth = tray.getBoundingClientRect().width;
      const around = trayWidth - form.getBoundingClientRect().width;
      const allowed = Math.max(500, tipWidth + around);
      if (trayWidth > allowed + 1) {
        out.push(`the dialog is ${trayWidth}px wide, Node-RED's is ${allowed}px: something does not fit`);
      }
    }
    const context = document.createElement('canvas').getContext('2d');
    for (const label of Array.from(tray.querySelectorAll<HTMLElement>('.form-row label'))) {
      if (label.getClientRects().length === 0) continue;
      const probe = label.cloneNode(false) as HTMLElement;
      probe.textContent = 'X';
      label.after(probe);
      const oneLine = probe.getBoundingClientRect().height;
      probe.remove();
      const height = label.getBoundingClientRect().height;
      const text = label.textContent.trim();
      if (height > oneLine + 1)
        out.push(`label "${text}" is on two lines (${height}px, one line ${oneLine}px)`);
      if (label.scrollWidth > label.clientWidth + 1) out.push(`label "${text}" is cut off`);
    }
    for (const field of Array.from(
      tray.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select'),
    )) {
      if (field.getClientRects().length === 0) continue;
      if (['checkbox', 'radio', 'hidden', 'button'].includes(field.type)) continue;
      const name = field.id || field.className || field.tagName;
      if (field.scrollWidth > field.clientWidth) {
        out.push(`${name}: scrollWidth ${field.scrollWidth} > clientWidth ${field.clientWidth}`);
      }
      const style = getComputedStyle(field);
      const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const isSelect = field instanceof HTMLSelectElement;
      const texts = isSelect
        ? Array.from(field.options).map((o) => o.text)
        : [field.value, field.placeholder];
      // A select's arrow takes about 20px of its content box.
      const fits = isSelect ? room - 20 : room;
      if (context)
        context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      for (const text of texts) {
        const width = context ? context.measureText(text).width : 0;
        if (width > fits)
          out.push(`${name}: "${text}" needs ${Math.ceil(width)}px, has ${Math.floor(fits)}px`);
      }
    }
    return out;
  });
  return problems.map((problem) => `${what}: ${problem}`);
}
