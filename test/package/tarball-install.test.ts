/**
 * A fresh install of the packed tarball into a Node-RED user directory, the way a user installs it
 * (`npm install <tarball>`), then the Node-RED under test (4 on leg 20, 5 on leg 22) started on it:
 * every node type and plugin the package declares must load from the installed copy.
 *
 * Tests run without a network, so npm must not need the registry. `npm ci` fills the npm cache
 * with the tarballs of every locked package, but not with the registry's metadata documents that
 * resolving a version range needs, so a bare `npm install --offline <tarball>` fails (ENOTCACHED).
 * The user directory therefore starts with a lockfile holding this project's locked runtime
 * dependencies (the same versions a fresh install resolved when the lock was made); npm then
 * installs the tarball and those exact versions from the cache alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeRedPackage } from '../support/node-red';
import { startNodeRed, type NodeRedProcess } from '../support/node-red-process';
import { npmEnv } from './npm';

const root = join(__dirname, '..', '..');

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface PackageJson {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  'node-red': { nodes: Record<string, string>; plugins?: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

/**
 * The lock entries of the package's runtime dependencies and everything they need, found the way
 * Node resolves them (nested node_modules first, then outwards), at the same paths.
 */
function runtimeLockEntries(): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const found: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    // Node's lookup: beside the dependent (its own node_modules), then each enclosing one.
    for (let base = from; ;) {
      const path = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      const entry = lock.packages[path];
      if (entry) {
        if (found[path]) return;
        found[path] = entry;
        for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
        for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
        for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(path, dep, true);
        return;
      }
      if (base === '') break;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
    if (!optional)
      throw new Error(`package-lock.json has no entry for ${name} (needed by ${from || 'the package'})`);
  };
  for (const name of Object.keys(pkg.dependencies)) visit('', name, false);
  return found;
}

function npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: npmEnv(), timeout: 45_000 });
  if (result.error) throw result.error;
  return result;
}

describe(`the packed tarball installed into a fresh Node-RED user directory (${nodeRedPackage})`, function () {
  this.timeout(60_000);
  let dir = '';
  let userDir = '';
  let red: NodeRedProcess | undefined;

  before(async function () {
    if (!existsSync(join(root, 'dist'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
    dir = mkdtempSync(join(tmpdir(), 'hik-guard-tarball-'));
    const pack = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root);
    assert.equal(pack.status, 0, `npm pack failed: ${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout) as { filename: string }[];
    assert.ok(packed);
    const tarball = join(dir, packed.filename);

    userDir = join(dir, 'user');
    const project = { name: 'hik-guard-install-test', version: '0.0.0', private: true };
    const packages = { '': project, ...runtimeLockEntries() };
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'package.json'), `${JSON.stringify(project, null, 2)}\n`);
    writeFileSync(
      join(userDir, 'package-lock.json'),
      `${JSON.stringify({ ...project, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
    );
    const install = npm(['install', '--offline', '--no-audit', '--no-fund', tarball], userDir);
    if (install.status !== 0 && /ENOTCACHED/.test(install.stderr) && !process.env.CI) {
      console.log(
        `      skipped: the npm cache lacks a locked package (run \`npm ci\` first):\n${install.stderr}`,
      );
      this.skip();
    }
    assert.equal(install.status, 0, `npm install of the tarball failed:\n${install.stderr}`);

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
    writeFileSync(join(userDir, 'flows.json'), '[]');
    red = await startNodeRed({ userDir, startTimeoutMs: 30_000 });
  });

  after(async () => {
    await red?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the package (a real copy, not a link) with its runtime dependencies', () => {
    const installed = join(userDir, 'node_modules', pkg.name);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson;
    assert.equal(manifest.version, pkg.version);
    for (const dep of Object.keys(pkg.dependencies)) {
      assert.ok(existsSync(join(userDir, 'node_modules', dep, 'package.json')), dep);
    }
    assert.ok(
      !existsSync(join(installed, 'sim', 'tls')) && !existsSync(join(installed, 'dist', 'sim', 'tls')),
    );
    const bin = spawnSync(
      process.execPath,
      [join(userDir, 'node_modules', '.bin', 'hik-guard'), '--version'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(bin.stdout.trim(), pkg.version, bin.stderr);
  });

  it('lets the installed simulator make its TLS certificates without any key file', () => {
    const script = `const { loadSimCertificate } = require(${JSON.stringify(join(userDir, 'node_modules', pkg.name, 'dist', 'sim'))});
      const { X509Certificate } = require('node:crypto');
      console.log(new X509Certificate(loadSimCertificate('b').cert).subject.includes('hik-guard test'));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(run.stdout.trim(), 'true', run.stderr);
  });

  it('loads every node type of the package, enabled and without error', async () => {
    const response = await fetch(`${red!.base}/nodes`, { headers: { accept: 'application/json' } });
    const sets = (await response.json()) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: unknown;
    }[];
    const ours = sets.filter((s) => s.module === pkg.name);
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.types.join(',')}: ${String(set.err)}\n${red!.output()}`);
    }
    const types = ours.filter((s) => s.enabled).flatMap((s) => s.types);
    assert.deepEqual(types.toSorted(), Object.keys(pkg['node-red'].nodes).toSorted(), red!.output());
    assert.ok(types.length >= 5);
  });

  it('loads every plugin of the package', async () => {
    const response = await fetch(`${red!.base}/plugins`, { headers: { accept: 'application/json' } });
    const sets = (await response.json()) as { id: string; module: string; err?: unknown }[];
    const ours = sets.filter((s) => s.module === pkg.name);
    assert.deepEqual(
      ours.map((s) => s.id).toSorted(),
      Object.keys(pkg['node-red'].plugins ?? {})
        .map((name) => `${pkg.name}/${name}`)
        .toSorted(),
      red!.output(),
    );
    for (const set of ours) assert.equal(set.err, undefined, `${set.id}: ${String(set.err)}`);
  });
});
