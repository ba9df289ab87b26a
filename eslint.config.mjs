// Flat config: @eslint/js recommended everywhere; typescript-eslint's strict type-checked rules for
// the TypeScript sources and tests (typed through tsconfig.json by the project service). Editor
// .html files are not linted.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node.js globals for plain .js/.cjs/.mjs files (no `globals` dependency for a dozen names). */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'clearImmediate',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'globalThis',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);
const commonJsGlobals = {
  __dirname: 'readonly',
  __filename: 'readonly',
  exports: 'writable',
  module: 'writable',
  require: 'readonly',
};

/**
 * Import boundaries (STYLE.md §2, §5): lib/ is the protocol and state layer, so it imports nothing
 * above it (adapters, CLI, editor plugins, the simulator, Node-RED), and the process-wide registry
 * lib/runtime.ts sits on top of lib/: no other lib/ file imports it to get a default. The simulator
 * is test equipment and keeps its own XML and digest code, so a bug shared with the client cannot
 * hide. Globs are matched against the import specifier, relative or not.
 */
const LIB_LAYER_PATTERNS = [
  {
    group: [
      '**/nodes',
      '**/nodes/**',
      '**/cli',
      '**/cli/**',
      '**/plugins',
      '**/plugins/**',
      '**/sim',
      '**/sim/**',
    ],
    message: 'lib/ never imports nodes/, cli/, plugins/ or sim/: they sit on top of it.',
  },
  {
    group: ['node-red', 'node-red/**', '@node-red/**'],
    message: 'lib/ never imports Node-RED; adapters in nodes/ do.',
  },
];
const LIB_RUNTIME_PATTERN = {
  group: ['**/runtime'],
  message: 'Only lib/runtime.ts is the process-wide registry; take the dependency as an option instead.',
};
const SIM_PATTERNS = [
  {
    group: ['**/lib/xml', '**/lib/xml/**'],
    message: "The simulator reads and writes XML with its own sim/sim-xml.ts, not the client's lib/xml.",
  },
  {
    group: ['**/lib/isapi/digest-*'],
    message: "The simulator computes digests with its own sim/digest-*.ts, not the client's lib/isapi.",
  },
];

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', '.cache/', '.demo/', 'coverage/']),
  js.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template literals with numbers are how messages name counts and versions.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `import x = require('…')` is how TypeScript imports an `export =` module (our node files).
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `() => void x()` vs `() => { x(); }` is taste, not a bug.
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/runtime.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...LIB_LAYER_PATTERNS, LIB_RUNTIME_PATTERN] }] },
  },
  {
    files: ['lib/runtime.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: LIB_LAYER_PATTERNS }] },
  },
  {
    files: ['sim/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: SIM_PATTERNS }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests call require() on purpose: to check what CommonJS consumers (Node-RED) get.
      '@typescript-eslint/no-require-imports': 'off',
      // `match[1]!` in a test: a wrong assumption fails the test anyway.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
]);
