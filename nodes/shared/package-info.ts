/**
 * This package's name, version and home page, read once from package.json (built to
 * dist/nodes/shared/, sources in nodes/shared/: the root is three or two levels up). Used where a
 * peer is told who speaks (the MQTT discovery `origin` block).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly homepage: string;
}

let cached: PackageInfo | null = null;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (const up of ['../../..', '../..']) {
    try {
      const pkg = JSON.parse(
        readFileSync(join(__dirname, up, 'package.json'), 'utf8'),
      ) as Partial<PackageInfo>;
      if (pkg.name !== 'node-red-contrib-hik-guard') continue;
      cached = { name: pkg.name, version: pkg.version ?? 'unknown', homepage: pkg.homepage ?? '' };
      return cached;
    } catch {
      continue; // not at this level: the other layout
    }
  }
  cached = { name: 'node-red-contrib-hik-guard', version: 'unknown', homepage: '' };
  return cached;
}
