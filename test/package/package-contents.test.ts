/**
 * What `npm publish` would upload, as `npm pack --dry-run --json` lists it: only the built runtime
 * (dist/lib, dist/cli, dist/sim, dist/nodes, dist/plugins), the examples, README, LICENSE and
 * package.json; no private key, no source map pointing at a file that is not shipped, no test.
 * Also the metadata the palette manager and the flow library read, and a README whose images and
 * links work on npmjs.com (where relative paths do not resolve).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { npmEnv } from './npm';

const root = join(__dirname, '..', '..');
const PROJECT = 'https://github.com/node-red-contrib-hik-guard/node-red-contrib-hik-guard';
const RAW = 'https://raw.githubusercontent.com/node-red-contrib-hik-guard/node-red-contrib-hik-guard/main/';
const BLOB = `${PROJECT}/blob/main/`;
const TREE = `${PROJECT}/tree/main/`;
const SHIPPED = [
  /^dist\/(lib|cli|sim|nodes|plugins)\//,
  /^examples\//,
  /^(README\.md|LICENSE|package\.json)$/,
];

interface PackageJson {
  name: string;
  license: string;
  keywords: string[];
  homepage?: string;
  repository?: { type: string; url: string };
  bugs?: { url: string };
  bin: Record<string, string>;
  'node-red': { version?: string; nodes: Record<string, string>; plugins?: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

describe('the npm package (npm pack --dry-run)', function () {
  this.timeout(60_000);
  let files: string[] = [];

  before(function () {
    if (!existsSync(join(root, 'dist'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      env: npmEnv(),
      timeout: 50_000,
    });
    assert.equal(result.status, 0, `npm pack --dry-run failed: ${result.stderr}`);
    const [listing] = JSON.parse(result.stdout) as { files: { path: string }[] }[];
    assert.ok(listing);
    files = listing.files.map((f) => f.path);
  });

  it('ships only the built runtime, the examples, README, LICENSE and package.json', () => {
    const stray = files.filter((f) => !SHIPPED.some((pattern) => pattern.test(f)));
    assert.deepEqual(stray, []);
    for (const required of ['README.md', 'LICENSE', 'package.json'])
      assert.ok(files.includes(required), required);
    for (const file of [...Object.values(pkg.bin), ...Object.values(pkg['node-red'].nodes)]) {
      assert.ok(files.includes(file), `${file} (named in package.json) is shipped`);
    }
    for (const file of Object.values(pkg['node-red'].plugins ?? {})) assert.ok(files.includes(file), file);
    assert.ok(
      files.some((f) => f.startsWith('examples/') && f.endsWith('.json')),
      'the example flows',
    );
  });

  it('ships no private key or certificate, by name or by content', () => {
    assert.deepEqual(
      files.filter((f) => /\.(pem|key|crt|p12|pfx)$|(^|\/)id_(rsa|ed25519|ecdsa)/.test(f)),
      [],
    );
    const withKeys = files.filter((f) =>
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(join(root, f), 'latin1')),
    );
    assert.deepEqual(withKeys, []);
  });

  it('ships no source map that points at a file the package does not contain', () => {
    const shipped = new Set(files);
    const broken: string[] = [];
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const target = normalize(join(dirname(map), source))
          .split('\\')
          .join('/');
        if (!shipped.has(target)) broken.push(`${map} -> ${source}`);
      }
    }
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(root, file), 'utf8');
      const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (
        ref &&
        !ref.startsWith('data:') &&
        !shipped.has(
          normalize(join(dirname(file), ref))
            .split('\\')
            .join('/'),
        )
      ) {
        broken.push(`${file} -> ${ref}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('ships no test, benchmark or TypeScript source', () => {
    assert.deepEqual(
      files.filter((f) =>
        /(^|\/)(test|tests|bench|__tests__)\/|\.(test|spec|bench)\.[cm]?[jt]s$|(?<!\.d)\.ts$/.test(f),
      ),
      [],
    );
  });
});

describe('package metadata for the palette manager and the flow library', () => {
  it('names the repository, home page and issue tracker', () => {
    assert.deepEqual(pkg.repository, { type: 'git', url: `git+${PROJECT}.git` });
    assert.equal(pkg.homepage, `${PROJECT}#readme`);
    assert.deepEqual(pkg.bugs, { url: `${PROJECT}/issues` });
  });

  it('declares the Node-RED version and carries the node-red keyword', () => {
    assert.match(pkg['node-red'].version ?? '', /^>=\d/);
    assert.ok(pkg.keywords.includes('node-red'));
    assert.ok(pkg.name.startsWith('node-red-contrib-'));
  });

  it('is MIT licensed, with the license text beside it', () => {
    assert.equal(pkg.license, 'MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 node-red-contrib-hik-guard contributors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS"/);
  });

  it('has a README whose images and links work on npmjs.com and point at files that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
    const targets = [...readme.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => ({
      image: m[1] === '!',
      url: m[2]!,
    }));
    assert.ok(
      targets.some((t) => t.image),
      'the README has images',
    );
    const problems: string[] = [];
    for (const { image, url } of targets) {
      if (image) {
        if (!url.startsWith(RAW))
          problems.push(`image ${url}: not an absolute raw.githubusercontent.com URL`);
        else if (!existsSync(join(root, url.slice(RAW.length)))) problems.push(`image ${url}: no such file`);
      } else if (url.startsWith('#')) {
        continue;
      } else if (url.startsWith(BLOB) || url.startsWith(TREE)) {
        const file = url.slice(url.startsWith(BLOB) ? BLOB.length : TREE.length).split('#')[0]!;
        if (!existsSync(join(root, file))) problems.push(`link ${url}: no such file in the repository`);
      } else if (!/^https?:\/\//.test(url)) {
        problems.push(`link ${url}: relative, which npmjs.com cannot resolve`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
