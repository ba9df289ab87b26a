/**
 * The built package (dist/, made by scripts/build.mjs; `npm test` builds before mocha runs) is
 * what users install: check its layout, that both module systems load a node, that the hik-guard
 * command stays executable across builds, and that a real Node-RED of the version under test loads
 * it with its editor, catalog, help and icon.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hikDeviceMigrations } from '../../nodes/shared/migrations';
import { nodeRedPackage } from '../support/node-red';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  'node-red': { nodes: Record<string, string> };
};
const declaredNodes = Object.entries(pkg['node-red'].nodes);

describe('the built package (dist/)', () => {
  before(function () {
    if (!existsSync(join(root, 'dist'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
  });

  for (const [type, file] of declaredNodes) {
    describe(type, () => {
      const built = join(root, file);
      const dir = dirname(built);

      it('has its editor html, catalog with the shared errors, help and icons beside the .js', () => {
        assert.ok(existsSync(join(dir, `${type}.html`)), 'editor html');
        assert.ok(existsSync(join(dir, 'locales', 'en-US', `${type}.html`)), 'help html');
        assert.ok(existsSync(join(dir, 'icons', 'hik-guard.svg')), 'icons beside the node file');
        const catalog = JSON.parse(readFileSync(join(dir, 'locales', 'en-US', `${type}.json`), 'utf8')) as {
          errors?: Record<string, string>;
        } & Record<string, unknown>;
        assert.ok(catalog[type], `catalog has a "${type}" block`);
        assert.equal(typeof catalog.errors?.HIK_ERR_AUTH_FAILED, 'string');
      });

      it('gives its register function to require()', () => {
        const exported: unknown = require(built);
        assert.equal(typeof exported, 'function');
      });

      it('gives its register function to import() from an ES module', () => {
        const script = `const m = await import(${JSON.stringify(pathToFileURL(built).href)}); console.log(typeof m.default);`;
        const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
        });
        assert.equal(result.stderr, '');
        assert.equal(result.stdout.trim(), 'function');
      });
    });
  }
});

describe('the built hik-guard command', function () {
  this.timeout(120_000);
  const bin = join(root, 'dist', 'cli', 'hik-guard.js');

  it('is executable after every build, so npx hik-guard runs it directly', function () {
    // File modes are a POSIX matter.
    if (process.platform === 'win32') this.skip();
    // tsc writes 0644; the build's own step makes the bin executable. Built aside, so the other
    // test leg keeps using dist/ meanwhile.
    const out = mkdtempSync(join(tmpdir(), 'hik-guard-build-'));
    try {
      const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', out], {
        encoding: 'utf8',
      });
      assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
      assert.equal(statSync(join(out, 'cli', 'hik-guard.js')).mode & 0o777, 0o755);
      // npm start builds only when something the build reads changed since.
      const again = spawnSync(
        process.execPath,
        [join(root, 'scripts', 'build.mjs'), '--out', out, '--if-stale'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
      assert.match(again.stdout, /is up to date/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    assert.equal(statSync(bin).mode & 0o777, 0o755);
    const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(run.error, undefined);
    assert.equal(run.stdout.trim(), pkg.version);
  });
});

describe('the built package in a real Node-RED', function () {
  this.timeout(60000);
  let userDir = '';
  let red: ChildProcess | undefined;
  let base = '';
  let output = '';

  before(async function () {
    userDir = mkdtempSync(join(tmpdir(), 'hik-guard-nr-'));
    mkdirSync(join(userDir, 'node_modules'));
    symlinkSync(root, join(userDir, 'node_modules', pkg.name), 'dir');
    writeFileSync(
      join(userDir, 'settings.js'),
      `module.exports = ${JSON.stringify({
        uiHost: '127.0.0.1',
        uiPort: 0,
        flowFile: 'flows.json',
        credentialSecret: 'test-only-secret',
        telemetry: { enabled: false },
        diagnostics: { enabled: false },
        externalModules: { autoInstall: false, palette: { allowInstall: false } },
        editorTheme: { palette: { catalogues: [] }, tours: false },
        logging: { console: { level: 'info' } },
      })};\n`,
    );
    const redJs = require.resolve(`${nodeRedPackage}/red.js`);
    red = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Node-RED did not start in 45 s:\n${output}`));
      }, 45000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const running = /Server now running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (running?.[1]) {
          clearTimeout(timer);
          resolve(running[1]);
        }
      };
      red?.stdout?.on('data', onData);
      red?.stderr?.on('data', onData);
      red?.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Node-RED exited (${code}) before it was ready:\n${output}`));
      });
    });
  });

  after(async function () {
    const child = red;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  async function get(path: string, accept = 'application/json'): Promise<Response> {
    return fetch(`${base}${path}`, { headers: { accept } });
  }

  it('loads every node set of the package without error', async () => {
    const sets = (await (await get('/nodes')).json()) as {
      module: string;
      name: string;
      types: string[];
      enabled: boolean;
      err?: unknown;
    }[];
    const ours = sets.filter((s) => s.module === pkg.name);
    const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
    assert.deepEqual(
      ours.map((s) => ({ name: s.name, types: s.types, enabled: s.enabled, err: s.err })).sort(byName),
      declaredNodes
        .map(([type]) => ({ name: type, types: [type], enabled: true, err: undefined }))
        .sort(byName),
      output,
    );
  });

  it('serves the editor definition and help of each node', async () => {
    const html = await (await get('/nodes', 'text/html')).text();
    for (const [type] of declaredNodes) {
      assert.ok(html.includes(`RED.nodes.registerType('${type}'`), `editor for ${type}`);
      assert.ok(html.includes(`data-help-name="${type}"`), `help for ${type}`);
    }
  });

  it('serves each node catalog with the shared errors merged in', async () => {
    for (const [type] of declaredNodes) {
      const catalog = (await (await get(`/locales/${pkg.name}/${type}?lng=en-US`)).json()) as Record<
        string,
        Record<string, unknown> | undefined
      >;
      assert.ok(catalog[type]?.label, `catalog for ${type}`);
      assert.equal(typeof catalog.errors?.HIK_ERR_AUTH_FAILED, 'string');
    }
  });

  it('serves the package icons', async () => {
    for (const icon of ['hik-guard.svg', 'hik-discover.svg', 'hik-credentials.svg', 'hik-reset.svg']) {
      const response = await get(`/icons/${pkg.name}/${icon}`, '*/*');
      assert.equal(response.status, 200, icon);
      assert.match(response.headers.get('content-type') ?? '', /svg/);
    }
  });

  it('exports hikDeviceVersion to the editor', async () => {
    const settings = (await (await get('/settings')).json()) as Record<string, unknown>;
    assert.equal(settings.hikDeviceVersion, hikDeviceMigrations.current);
  });
});
