/**
 * The demo walked as a new user walks it, in Debian's Chromium: the demo (dist/scripts/demo.js, what
 * `npm start` runs after building) with its simulated fleet, the editor opened at the printed URL.
 * The first tab says what to try; every hik-device is counted as used; no node status shows a raw
 * catalog key; the camera reset with the printed command turns inactive, is re-claimed by the
 * fleet (example 04) and is active again, with its new password in the vault; Rotate now on the
 * rotated camera answers with its result.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchBrowser, type TestBrowser } from '../support/browser';
import { eventually } from '../support/node-red-process';
import { digestRequest } from '../sim/helpers/digest-client';
import { tagText } from '../sim/helpers/http';

const root = join(__dirname, '..', '..');
/** Text that looks like a catalog key rather than words. */
const RAW_KEY = /\b(hik-[a-z]+|errors|common)\.[A-Za-z_]+(\.[A-Za-z_]+)*\b/;

interface EditorNode {
  id: string;
  type: string;
  label?: string;
  users: unknown[];
}

declare const RED: {
  nodes: {
    getType(type: string): unknown;
    node(id: string): unknown;
    eachConfig(visit: (node: EditorNode) => void): void;
    eachWorkspace(visit: (node: EditorNode) => void): void;
  };
  sidebar: { show(id: string): void };
  workspaces: { active(): string; show(id: string): void };
};

describe('the demo, walked in Chromium like a new user', function () {
  this.timeout(150_000);
  const userDir = mkdtempSync(join(tmpdir(), 'hik-guard-demo-walk-'));
  let demo: ChildProcess | undefined;
  let output = '';
  let chromium: TestBrowser | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    demo = spawn(process.execPath, [join(root, 'dist', 'scripts', 'demo.js')], {
      cwd: root,
      env: { ...process.env, PORT: '0', HIK_GUARD_DEMO_DIR: userDir, HIK_SIM_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    chromium = await launchBrowser();
  });

  after(async () => {
    await chromium?.close();
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      const exited = new Promise((resolve) => demo?.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  const row = (page: Page, serial: string) => page.locator(`.hik-sidebar-row[data-key="${serial}"]`);
  const details = (page: Page, serial: string) => page.locator(`.hik-sidebar-details[data-key="${serial}"]`);

  it('start here, no unused device, statuses in words, a reset re-claimed, Rotate now answered', async () => {
    const url = await eventually(
      'the editor URL',
      () => {
        if (demo?.exitCode !== null) throw new Error(`the demo ended early:\n${output}`);
        return /Node-RED editor: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      },
      90_000,
    );
    const fleetLines = [...output.matchAll(/^\s+http:\/\/(127\.0\.0\.\d+):\d+\s+\S+\s+(\S+)$/gm)];
    const serialAt = (host: string): string => {
      const serial = fleetLines.find((m) => m[1] === host)?.[2];
      assert.ok(serial, `the demo lists ${host}:\n${output}`);
      return serial;
    };
    const rotated = serialAt('127.0.0.11');

    const context = await chromium!.context();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${url}/`);
    await page.waitForFunction(
      "typeof RED !== 'undefined' && RED.nodes && RED.nodes.getType('hik-reset') && RED.workspaces.active()",
      undefined,
      { timeout: 30_000 },
    );

    // The first tab says what to do.
    const tabs = await page.evaluate(() => {
      const labels: string[] = [];
      RED.nodes.eachWorkspace((w) => labels.push(w.label ?? ''));
      return labels;
    });
    assert.equal(tabs[0], 'Start here');
    assert.ok(await page.evaluate(() => RED.nodes.node('hik-demo-start') !== null), 'the Start here comment');

    // Every camera a flow lists is used: none is dashed or offered for deletion.
    const unused = await page.evaluate(() => {
      const ids: string[] = [];
      RED.nodes.eachConfig((n) => {
        if (n.type === 'hik-device' && n.users.length === 0) ids.push(n.id);
      });
      return ids;
    });
    assert.deepEqual(unused, []);

    // The reset, with the command the demo printed (sent by the tests' own digest client).
    const reset = /curl --digest -u admin:(\S+) -X PUT '(http:\/\/[^']+)'/.exec(output);
    assert.ok(reset?.[1] && reset[2], output);
    const target = new URL(reset[2]);
    const resetSerial = serialAt(target.hostname);
    await page.evaluate(() => RED.sidebar.show('hik-guard'));
    await row(page, resetSerial).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 60_000 });
    const answer = await digestRequest(
      { host: target.hostname, port: Number(target.port), https: false },
      target.pathname + target.search,
      { userName: 'admin', password: reset[1] },
      { method: 'PUT' },
    );
    assert.equal(tagText(answer.body, 'statusCode'), '1', answer.body);
    await eventually('the reset seen and the camera re-claimed', () =>
      output.includes(`Device ${resetSerial} (${target.hostname}) was re-claimed`),
    );
    assert.ok(output.includes(`Device ${resetSerial} (${target.hostname}) is now inactive`), output);
    assert.ok(!/activated by someone else/.test(output), 'our own re-claim is never someone else’s');
    await row(page, resetSerial).and(page.locator('[data-activation="active"]')).waitFor({ timeout: 30_000 });
    await row(page, resetSerial)
      .locator('.hik-sidebar-col-vault', { hasText: 'Password in vault' })
      .waitFor();

    // Rotate now on the camera example 02 rotates: the answer stays in its row.
    await row(page, rotated).click();
    await details(page, rotated).locator('.hik-sidebar-rotate').click();
    await details(page, rotated)
      .locator('.hik-sidebar-result', { hasText: /^Rotated at .+\. Next rotation: .+\./ })
      .waitFor({ timeout: 60_000 });

    // No status on any tab shows a catalog key instead of words.
    const workspaces = await page.evaluate(() => {
      const ids: string[] = [];
      RED.nodes.eachWorkspace((w) => ids.push(w.id));
      return ids;
    });
    const statuses: string[] = [];
    for (const id of workspaces) {
      await page.evaluate((ws) => RED.workspaces.show(ws), id);
      await page.waitForFunction((ws) => RED.workspaces.active() === ws, id);
      statuses.push(...(await page.locator('.red-ui-flow-node-status-label').allTextContents()));
    }
    assert.ok(statuses.length >= 4, `node statuses shown: ${JSON.stringify(statuses)}`);
    for (const text of statuses) assert.doesNotMatch(text, RAW_KEY, `a raw key as a status: ${text}`);
    assert.doesNotMatch(await page.locator('.hik-sidebar').innerText(), RAW_KEY);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});
