/**
 * No raw catalog key is ever shown as a status or logged. The editor translates a status text only
 * when it is a key of the catalog of the node that shows it (a flow node showing another node's
 * key shows it raw), and the runtime's `RED._` resolves only in the calling node's own catalog.
 * So, read from the sources: every status text set as a bare key is in the catalog of the node it
 * is shown on (its own, with the shared `errors` block the build merges in), a config node (whose
 * status text is shown on its users) sets none, and every key a node passes to `RED._` is in its
 * own catalog. The browser test (test/browser/editor.test.ts) checks the statuses a user sees.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_EVENTS } from '../../../lib/device-vocabulary';

const root = join(__dirname, '..', '..', '..');
const nodesDir = join(root, 'nodes');

type Catalog = Record<string, unknown>;

const sharedCatalog = JSON.parse(
  readFileSync(join(nodesDir, 'shared', 'locales', 'en-US', 'errors.json'), 'utf8'),
) as Catalog;

/** `nodes/<type>/locales/en-US/<type>.json` with the shared blocks, as scripts/build.mjs merges them. */
function catalogOf(type: string): Catalog {
  const own = JSON.parse(
    readFileSync(join(nodesDir, type, 'locales', 'en-US', `${type}.json`), 'utf8'),
  ) as Catalog;
  return { ...own, ...sharedCatalog };
}

function lookup(catalog: Catalog, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Catalog)[part] : undefined),
      catalog,
    );
}

const nodeTypes = readdirSync(nodesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
  .map((entry) => entry.name);

function sourceOf(type: string): string {
  return readFileSync(join(nodesDir, type, `${type}.ts`), 'utf8');
}

function isConfigNode(type: string): boolean {
  return /category:\s*'config'/.test(readFileSync(join(nodesDir, type, `${type}.html`), 'utf8'));
}

/** Status texts given as a literal (`text: 'a.b'` or `` text: `errors.${…}` ``), not through `RED._`. */
function rawStatusTexts(source: string): string[] {
  return [...source.matchAll(/\btext:\s*(['`])([^'`]*)\1/g)].map((m) => m[2] ?? '');
}

/** Keys passed to `RED._`: literal ones whole, template ones up to their first `${`. */
function translatedKeys(source: string): { key: string; partial: boolean }[] {
  return [...source.matchAll(/\bRED\._\(\s*(['`])([^'`]*)\1/g)].map((m) => {
    const text = m[2] ?? '';
    const at = text.indexOf('${');
    return at === -1
      ? { key: text, partial: false }
      : { key: text.slice(0, at).replace(/\.$/, ''), partial: true };
  });
}

describe('status and log texts resolve in the catalog of the node that shows them', () => {
  it('finds every node type', () => {
    for (const type of ['hik-credentials', 'hik-device', 'hik-discover', 'hik-homeassistant', 'hik-reset']) {
      assert.ok(nodeTypes.includes(type), type);
    }
  });

  for (const type of nodeTypes) {
    const catalog = catalogOf(type);

    it(`${type}: every status set as a key is in its own catalog (config nodes set none)`, () => {
      const raw = rawStatusTexts(sourceOf(type));
      if (isConfigNode(type)) {
        assert.deepEqual(raw, [], 'a config node translates before its status reaches a user node');
        return;
      }
      assert.ok(raw.length > 0, 'the scan found no status');
      const missing = raw.filter((key) => typeof lookup(catalog, key) !== 'string');
      assert.deepEqual(missing, [], `not in ${type}'s catalog`);
    });

    it(`${type}: every key it translates is in its own catalog`, () => {
      const keys = translatedKeys(sourceOf(type));
      const missing = keys
        .filter(({ key, partial }) => {
          const found = lookup(catalog, key);
          return partial ? !(found && typeof found === 'object') : typeof found !== 'string';
        })
        .map(({ key, partial }) => (partial ? `${key}.…` : key));
      assert.deepEqual(missing, [], `not in ${type}'s catalog`);
    });

    it(`${type}: has the keys the shared node kit translates for it`, () => {
      // nodes/shared/node-kit.ts: readNodeSettings warns with these, in the node's namespace.
      const missing = ['log.invalidConfig', 'log.newerConfig', 'validation.version']
        .map((key) => `${type}.${key}`)
        .filter((key) => typeof lookup(catalog, key) !== 'string');
      assert.deepEqual(missing, []);
    });
  }

  it('hik-reset logs every device event in words (its key is built from the event name)', () => {
    const catalog = catalogOf('hik-reset');
    const missing = DEVICE_EVENTS.map((event) => `hik-reset.log.${event}`).filter(
      (key) => typeof lookup(catalog, key) !== 'string',
    );
    assert.deepEqual(missing, []);
  });

  it('the shared node kit sets only errors.<CODE> as a status (merged into every catalog)', () => {
    for (const file of readdirSync(join(nodesDir, 'shared')).filter((f) => f.endsWith('.ts'))) {
      const raw = rawStatusTexts(readFileSync(join(nodesDir, 'shared', file), 'utf8'));
      assert.deepEqual(
        raw.filter((text) => !text.startsWith('errors.')),
        [],
        file,
      );
    }
  });

  it('hik-homeassistant answers Test connection from its catalog for every code the route sends', () => {
    const catalog = catalogOf('hik-homeassistant');
    for (const code of [
      'no_token',
      'invalid_url',
      'HIK_ERR_INVALID_ARGUMENT',
      'HIK_ERR_HA_AUTH_INVALID',
      'HIK_ERR_HA_NOT_ADMIN',
      'HIK_ERR_HA_UNREACHABLE',
      'HIK_ERR_HA_UNREACHABLE_https',
      'HIK_ERR_HA_TIMEOUT',
      'other',
    ]) {
      assert.equal(typeof lookup(catalog, `hik-homeassistant.test.problem.${code}`), 'string', code);
    }
  });
});
