import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, dir, f));
}

/** Every `code = 'HIK_ERR…'` an error class declares in lib/ or nodes/. */
function declaredCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of [...sourcesUnder('lib'), ...sourcesUnder('nodes')]) {
    for (const [, code] of readFileSync(file, 'utf8').matchAll(
      /\bcode(?:\s*:\s*string)?\s*=\s*'(HIK_ERR\w*)'/g,
    )) {
      if (code) codes.add(code);
    }
  }
  return codes;
}

describe('the shared errors catalog (nodes/shared/locales/en-US/errors.json)', () => {
  const catalog = JSON.parse(
    readFileSync(join(root, 'nodes', 'shared', 'locales', 'en-US', 'errors.json'), 'utf8'),
  ) as { errors: Record<string, string> };

  it('has a short status text for every error code declared in lib/ and nodes/', () => {
    const codes = [...declaredCodes()];
    assert.ok(codes.includes('HIK_ERR_AUTH_FAILED'), 'the code scan found nothing');
    const missing = codes.filter((code) => !(code in catalog.errors));
    assert.deepEqual(missing, [], `add these to errors.json: ${missing.join(', ')}`);
  });

  it('holds only HIK_ERR codes, each a short non-empty text', () => {
    for (const [code, text] of Object.entries(catalog.errors)) {
      assert.match(code, /^HIK_ERR(_[A-Z0-9]+)*$/);
      assert.ok(text.length > 0 && text.length <= 40, `${code}: status texts stay short`);
    }
  });
});
