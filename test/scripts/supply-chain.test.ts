import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface LockEntry {
  version?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  hasInstallScript?: boolean;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** Every package an install with `--omit=dev` brings, by its node_modules path. */
const runtime = Object.entries(lock.packages).filter(
  ([path, entry]) => path !== '' && !entry.dev && !entry.devOptional,
);

describe('supply chain (SECURITY.md, README "Runtime dependencies")', () => {
  it('the committed lockfile pins every runtime package with an integrity hash', () => {
    assert.equal(lock.lockfileVersion, 3);
    assert.ok(runtime.length > 0);
    for (const [path, entry] of runtime) {
      assert.match(entry.integrity ?? '', /^sha512-/, `${path} has no sha512 integrity`);
    }
  });

  it('no runtime package runs an install script', () => {
    const withScripts = runtime.filter(([, entry]) => entry.hasInstallScript).map(([path]) => path);
    assert.deepEqual(withScripts, []);
  });

  it('the runtime tree is the one SECURITY.md lists, and the README says why each direct dependency is there', () => {
    const security = readFileSync(join(ROOT, 'SECURITY.md'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [path, entry] of runtime) {
      const name = path.replace(/^.*node_modules\//, '');
      assert.ok(
        security.includes(`${name}@${entry.version}`),
        `SECURITY.md does not list ${name}@${entry.version}`,
      );
    }
    assert.ok(security.includes(`${runtime.length} packages`), 'SECURITY.md counts the runtime packages');
    for (const name of Object.keys(manifest.dependencies)) {
      assert.ok(readme.includes(`| \`${name}\``), `README's runtime dependency table lacks ${name}`);
    }
  });
});
