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
    files: ['test/**/*.ts'],
    rules: {
      // Tests call require() on purpose: to check what CommonJS consumers (Node-RED) get.
      '@typescript-eslint/no-require-imports': 'off',
      // `match[1]!` in a test: a wrong assumption fails the test anyway.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
]);
