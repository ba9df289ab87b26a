/**
 * A real Node-RED process (the version under test) with the built package (dist/) linked into a
 * throw-away user directory, listening on 127.0.0.1 only. For tests that need what the test helper
 * cannot give: editor plugins, adminAuth, the editor itself in a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeRedPackage } from './node-red';

const root = join(__dirname, '..', '..');

export interface NodeRedProcessOptions {
  /** Merged over safe defaults (loopback, port 0, no telemetry, no catalogues, no tours). */
  settings?: Record<string, unknown>;
  flows?: Record<string, unknown>[];
  /** Plain (unencrypted) credentials by node id: Node-RED encrypts them with credentialSecret. */
  credentials?: Record<string, Record<string, string>>;
  /**
   * Start on this existing user directory (a restart of a stopped process): nothing is written
   * into it and `stop` leaves it for the caller to remove.
   */
  userDir?: string;
  startTimeoutMs?: number;
}

export interface NodeRedProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
  userDir: string;
  output(): string;
  /** Ends the process; its user directory is removed unless kept (for a restart) or given. */
  stop(options?: { keepUserDir?: boolean }): Promise<void>;
}

export async function startNodeRed(options: NodeRedProcessOptions = {}): Promise<NodeRedProcess> {
  const restart = options.userDir !== undefined;
  const userDir = options.userDir ?? mkdtempSync(join(tmpdir(), 'hik-guard-nr-'));
  if (!restart) prepareUserDir(userDir, options);
  const redJs = require.resolve(`${nodeRedPackage}/red.js`);
  const child: ChildProcess = spawn(
    process.execPath,
    [redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const stop = async (stopOptions: { keepUserDir?: boolean } = {}): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (!restart && !stopOptions.keepUserDir) rmSync(userDir, { recursive: true, force: true });
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Node-RED did not start in time:\n${output}`)),
        options.startTimeoutMs ?? 45_000,
      );
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const running = /Server now running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (running?.[1]) {
          clearTimeout(timer);
          resolve(running[1]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Node-RED exited (${code}) before it was ready:\n${output}`));
      });
    });
    return { base, userDir, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function prepareUserDir(userDir: string, options: NodeRedProcessOptions): void {
  mkdirSync(join(userDir, 'node_modules'));
  symlinkSync(root, join(userDir, 'node_modules', 'node-red-contrib-hik-guard'), 'dir');
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: 0,
    flowFile: 'flows.json',
    credentialSecret: 'test-only-secret',
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { palette: { catalogues: [] }, tours: false },
    logging: { console: { level: 'info' } },
    ...options.settings,
  };
  writeFileSync(join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings)};\n`);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows ?? []));
  if (options.credentials) {
    writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(options.credentials), { mode: 0o600 });
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
