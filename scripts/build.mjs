#!/usr/bin/env node
// Builds the publishable tree in dist/: compiles TypeScript, then puts every non-TS file that
// Node-RED reads beside the built .js files.
//
//   dist/nodes/<type>/<type>.js            compiled runtime
//   dist/nodes/<type>/<type>.html          editor, copied
//   dist/nodes/<type>/locales/<lang>/…     catalog (with the shared errors.* block merged) + help
//   dist/nodes/<type>/icons/…              icons/ copied here: Node-RED's registry looks for a
//                                          package's icons only in an `icons` folder beside each
//                                          file named in package.json "node-red".nodes/plugins
//   dist/cli/hik-guard.js                  made executable (package.json "bin"; tsc writes 0644)
// (Node-RED reads examples from <package>/examples, so they are shipped as they are. The simulator
// makes its TLS certificates at start, sim/tls-certificates.ts: no key file is built or shipped.)
//
//   node scripts/build.mjs               build into dist/
//   node scripts/build.mjs --out DIR     build the same tree into DIR instead (the build's own test)
//   node scripts/build.mjs --if-stale    skip when nothing the build reads changed since the last
//                                        build (npm start; two test legs share one dist/)
//
// Plain Node ESM, no dependencies beyond typescript in node_modules.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
if (outAt !== -1 && !args[outAt + 1]) fail('--out needs a directory');
const dist = outAt === -1 ? join(root, 'dist') : resolve(args[outAt + 1]);
const ifStale = args.includes('--if-stale');
const require = createRequire(import.meta.url);

/** Folders whose node/plugin assets (editor .html, locales/) are copied. */
const ASSET_ROOTS = ['nodes', 'plugins'];
/** Catalogs merged into every node catalog of the same language, then not copied themselves. */
const SHARED_LOCALES = join(root, 'nodes', 'shared', 'locales');

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function copyFile(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`${relative(root, file)}: ${err.message}`);
  }
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shared catalogs by language: { 'en-US': { errors: {…} } }. */
function loadSharedCatalogs() {
  const byLang = new Map();
  if (!existsSync(SHARED_LOCALES)) return byLang;
  for (const lang of readdirSync(SHARED_LOCALES)) {
    const merged = {};
    for (const file of walk(join(SHARED_LOCALES, lang)).filter((f) => f.endsWith('.json'))) {
      for (const [key, value] of Object.entries(readJson(file))) {
        if (key in merged) fail(`shared catalog key "${key}" is defined twice in ${lang}`);
        merged[key] = value;
      }
    }
    byLang.set(lang, merged);
  }
  return byLang;
}

function mergeCatalog(file, shared) {
  const catalog = readJson(file);
  if (!isPlainObject(catalog)) fail(`${relative(root, file)}: a catalog must be a JSON object`);
  for (const [key, value] of Object.entries(shared)) {
    if (key in catalog) fail(`${relative(root, file)} defines "${key}", which the shared catalog owns`);
    catalog[key] = value;
  }
  return `${JSON.stringify(catalog, null, 2)}\n`;
}

function step(title, fn) {
  console.log(`build: ${title}`);
  fn();
}

/** Every file the build reads, as `path size mtime` lines: a different digest means rebuild. */
function inputsDigest() {
  const inputs = ['lib', 'cli', 'sim', 'nodes', 'plugins', 'scripts', 'icons']
    .map((dir) => join(root, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => walk(dir))
    .concat(['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(root, f)))
    .sort();
  const hash = createHash('sha256');
  for (const file of inputs) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(root, file)} ${size} ${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const STAMP = join(dist, '.build-inputs');
const digest = inputsDigest();
if (ifStale && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) {
  console.log(`build: ${relative(root, dist) || dist} is up to date`);
  process.exit(0);
}

/** A package.json path (dist/...) in the tree being built. */
function built(file) {
  const rel = relative(join(root, 'dist'), join(root, file));
  if (rel.startsWith('..')) fail(`${file} must point into dist/`);
  return join(dist, rel);
}

step(`clean ${dist}`, () => rmSync(dist, { recursive: true, force: true }));

step('tsc -p tsconfig.build.json', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.error) fail(`tsc did not run: ${result.error.message}`);
  if (result.status !== 0) fail(`tsc failed (exit ${result.status ?? result.signal})`);
});

step('make the package.json "bin" files executable', () => {
  const pkg = readJson(join(root, 'package.json'));
  const bins = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
  for (const [name, file] of Object.entries(bins)) {
    const path = built(file);
    if (!existsSync(path))
      fail(`package.json bin "${name}" points at ${file}, which the build did not produce`);
    chmodSync(path, 0o755);
  }
});

step('copy editor html and locales (shared catalogs merged)', () => {
  const shared = loadSharedCatalogs();
  for (const assetRoot of ASSET_ROOTS) {
    const base = join(root, assetRoot);
    if (!existsSync(base)) continue;
    for (const file of walk(base)) {
      if (file.startsWith(SHARED_LOCALES + sep)) continue;
      const rel = relative(root, file);
      const parts = rel.split(sep);
      const localeAt = parts.indexOf('locales');
      const isLocale = localeAt !== -1;
      if (!isLocale && !file.endsWith('.html')) continue;
      const target = join(dist, rel);
      // locales/<lang>/<type>.json is the node's catalog: it gets the shared blocks for its language.
      const lang = isLocale ? parts[localeAt + 1] : undefined;
      const isCatalog = isLocale && parts.length === localeAt + 3 && file.endsWith('.json');
      if (isCatalog && shared.has(lang)) {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, mergeCatalog(file, shared.get(lang)));
      } else {
        copyFile(file, target);
      }
    }
  }
});

step('copy icons/ beside every node and plugin file', () => {
  const pkg = readJson(join(root, 'package.json'));
  const declared = { ...pkg['node-red']?.nodes, ...pkg['node-red']?.plugins };
  const iconsDir = join(root, 'icons');
  const hasIcons = existsSync(iconsDir) && readdirSync(iconsDir).some((f) => !f.endsWith('.md'));
  for (const [type, file] of Object.entries(declared)) {
    const path = built(file);
    if (!existsSync(path))
      fail(`package.json node-red entry "${type}" points at ${file}, which the build did not produce`);
    if (hasIcons) copyIcons(iconsDir, join(dirname(path), 'icons'));
  }
});

function copyIcons(from, to) {
  for (const file of walk(from)) {
    if (file.endsWith('.md')) continue;
    copyFile(file, join(to, relative(from, file)));
  }
}

const fileCount = walk(dist).filter((f) => statSync(f).isFile()).length;
writeFileSync(STAMP, digest);
console.log(`build: done, ${fileCount} files in ${relative(root, dist) || dist}/`);
