/**
 * A node's real English catalog for tests. node-red-node-test-helper's `RED._` returns the key
 * unchanged; nodes whose status carries counts (`__count__ devices`) are tested through this
 * instead, so the assertions read what a user sees.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAPI } from 'node-red';

const ROOT = join(__dirname, '..', '..');

export type Translate = (key: string, substitutions?: Record<string, unknown>) => string;

/** `nodes/<type>/locales/en-US/<type>.json` plus the shared `errors` block, as the build merges them. */
export function catalogTranslator(type: string): Translate {
  const own = JSON.parse(
    readFileSync(join(ROOT, 'nodes', type, 'locales', 'en-US', `${type}.json`), 'utf8'),
  ) as Record<string, unknown>;
  const shared = JSON.parse(
    readFileSync(join(ROOT, 'nodes', 'shared', 'locales', 'en-US', 'errors.json'), 'utf8'),
  ) as Record<string, unknown>;
  const catalog: Record<string, unknown> = { ...own, ...shared };
  return (key, substitutions = {}) => {
    const value = key
      .split('.')
      .reduce<unknown>(
        (node, part) =>
          node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
        catalog,
      );
    if (typeof value !== 'string') return key;
    return value.replace(/__(\w+)__/g, (whole, name: string) =>
      name in substitutions ? String(substitutions[name]) : whole,
    );
  };
}

/** Wraps a node module so it registers with `RED._` reading the real catalog. */
export function withCatalog(nodeModule: (RED: NodeAPI) => void, type: string): (RED: NodeAPI) => void {
  const translate = catalogTranslator(type);
  return (RED) => {
    nodeModule(
      new Proxy(RED, {
        get: (target, prop, receiver) =>
          prop === '_' ? translate : (Reflect.get(target, prop, receiver) as unknown),
      }),
    );
  };
}
