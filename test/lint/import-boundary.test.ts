import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

/**
 * The import boundaries of eslint.config.mjs, checked on snippets placed virtually in the tree.
 * Only no-restricted-imports runs, without type information: the snippets are not on disk, so the
 * project service could not type them, and the boundary rule does not need types.
 */
const eslint = new ESLint({
  cwd: resolve(__dirname, '../..'),
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } },
});

/** The boundary messages for `code` at `filePath`; a snippet that does not parse fails the test. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
  assert.ok(result, filePath);
  const fatal = result.messages.find((m) => m.fatal === true);
  assert.equal(fatal, undefined, `${filePath}: ${fatal?.message ?? ''}`);
  return result.messages.map((m) => m.message);
}

async function assertRefused(filePath: string, code: string, reason: RegExp): Promise<void> {
  const found = await violations(filePath, code);
  assert.equal(found.length, 1, `${filePath}: ${code} should be refused once, got ${JSON.stringify(found)}`);
  assert.match(found[0]!, reason);
}

async function assertAllowed(filePath: string, code: string): Promise<void> {
  assert.deepEqual(await violations(filePath, code), [], `${filePath}: ${code}`);
}

describe('import boundaries (eslint.config.mjs)', function () {
  this.timeout(60_000);

  it('refuses lib/ imports of the layers above it, whatever the import syntax', async () => {
    const layer = /never imports nodes\/, cli\/, plugins\/ or sim\//;
    await assertRefused('lib/xyz.ts', "import { x } from '../nodes/shared/types';", layer);
    await assertRefused('lib/isapi/xyz.ts', "import type { x } from '../../cli/hik-guard';", layer);
    await assertRefused('lib/xyz.ts', "import x = require('../plugins/hik-sidebar/hik-sidebar');", layer);
    await assertRefused('lib/sadp/xyz.ts', "import { x } from '../../sim';", layer);
    await assertRefused('lib/sadp/xyz.ts', "export { x } from '../../sim/sim-device';", layer);
    await assertRefused('lib/runtime.ts', "import { x } from '../nodes/shared/types';", layer);
  });

  it('refuses Node-RED in lib/', async () => {
    await assertRefused(
      'lib/xyz.ts',
      "import type { NodeAPI as x } from 'node-red';",
      /never imports Node-RED/,
    );
    await assertRefused(
      'lib/xyz.ts',
      "import { util as x } from '@node-red/util';",
      /never imports Node-RED/,
    );
  });

  it('refuses lib/runtime everywhere in lib/ except in lib/runtime.ts itself', async () => {
    const registry = /Only lib\/runtime\.ts is the process-wide registry/;
    await assertRefused('lib/monitor/foo.ts', "import { x } from './runtime';", registry);
    await assertRefused('lib/monitor/foo.ts', "import { x } from '../runtime';", registry);
    await assertRefused('lib/xyz.ts', "import { x } from './runtime';", registry);
    await assertAllowed('lib/runtime.ts', "import { x } from './rotation/device-locks';");
  });

  it('refuses lib/xml and lib/isapi digest code in the simulator', async () => {
    await assertRefused('sim/foo.ts', "import { x } from '../lib/xml/xml';", /own sim\/sim-xml\.ts/);
    await assertRefused(
      'sim/routes/foo.ts',
      "import type { x } from '../../lib/xml';",
      /own sim\/sim-xml\.ts/,
    );
    await assertRefused(
      'sim/foo.ts',
      "import { x } from '../lib/isapi/digest-authorization';",
      /own sim\/digest-\*\.ts/,
    );
  });

  it('allows the imports the architecture intends', async () => {
    await assertAllowed('lib/monitor/foo.ts', "import { x } from '../errors';");
    await assertAllowed('lib/isapi/foo.ts', "import { x } from '../xml/xml';");
    await assertAllowed(
      'lib/foo.ts',
      "import { x } from './rotation/runtime-options';\nimport y from 'undici';",
    );
    await assertAllowed('sim/foo.ts', "import { x } from '../lib/errors';");
    await assertAllowed('sim/routes/foo.ts', "import { x } from '../sim-xml';");
    await assertAllowed('nodes/hik-reset/foo.ts', "import { x } from '../../lib/runtime';");
    await assertAllowed('test/sim/foo.test.ts', "import { x } from '../../lib/xml/xml';");
  });
});
