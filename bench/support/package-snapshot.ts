/**
 * A private copy of the built package for a benchmark that runs it as a user would (Node-RED
 * loading it, the `hik-guard` CLI): package.json, dist/ and examples/, its dependencies through a
 * link to node_modules. Loading is lazy, so a process may require a file minutes after it started;
 * with a copy, a rebuild of dist/ meanwhile (by anyone) cannot pull a file from under it.
 * HIK_BENCH_PACKAGE_ROOT measures another built tree instead of this one (an older version, say).
 */
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const PACKAGE_NAME = 'node-red-contrib-hik-guard';

/** The tree whose dist/ is measured. */
export const PACKAGE_ROOT = process.env.HIK_BENCH_PACKAGE_ROOT ?? join(__dirname, '..', '..');

/** Copies the built package into `parent`/<name> and returns that folder. */
export function snapshotPackage(parent: string): string {
  const dist = join(PACKAGE_ROOT, 'dist');
  if (!existsSync(join(dist, 'cli', 'hik-guard.js')) || !existsSync(join(dist, 'nodes'))) {
    throw new Error(`${dist} is missing or incomplete: run \`npm run build\` first`);
  }
  const pkg = join(parent, PACKAGE_NAME);
  mkdirSync(pkg, { recursive: true });
  cpSync(join(PACKAGE_ROOT, 'package.json'), join(pkg, 'package.json'));
  cpSync(dist, join(pkg, 'dist'), { recursive: true });
  cpSync(join(PACKAGE_ROOT, 'examples'), join(pkg, 'examples'), { recursive: true });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  return pkg;
}
