/**
 * The Node-RED under test, and node-red-node-test-helper wired to it. Every Node-RED test imports
 * `helper` from here (never `node-red-node-test-helper` directly) so both legs of `npm test` really
 * run their own runtime: leg 1 Node 20 + `node-red` (4.x), leg 2 Node 22 + `node-red-5` (5.x).
 *
 * `HIK_GUARD_NODE_RED` names the package (default `node-red`). The helper finds the runtime's
 * internals (`@node-red/runtime`, `@node-red/registry`, …) from the path given to `init`, which
 * works for the aliased package because its `@node-red/*` are nested in its own node_modules.
 * Its constructor would also load whatever plain `require('node-red')` finds; while it is first
 * loaded here, that request is pointed at the runtime under test so only one runtime is loaded.
 */
import Module = require('node:module');
import type HelperModule = require('node-red-node-test-helper');

export type NodeTestHelper = typeof HelperModule;

export const nodeRedPackage: string = process.env.HIK_GUARD_NODE_RED ?? 'node-red';
export const nodeRedPath: string = require.resolve(nodeRedPackage);

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename };

function loadHelper(): NodeTestHelper {
  const original = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'node-red' ? nodeRedPath : original.call(this, request, ...rest);
  };
  try {
    // A plain require on purpose: the helper must load while the redirect is in place.
    return require('node-red-node-test-helper') as NodeTestHelper;
  } finally {
    moduleInternals._resolveFilename = original;
  }
}

/** What the helper keeps privately and these tests rely on (checked in node-red.test.ts). */
export interface HelperInternals {
  /** Listen address of the helper's HTTP server (admin API, comms). */
  _address: string;
  /** The runtime module the helper loaded (`require(nodeRedPath)`). */
  _RED: { version(): string };
  /** `@node-red/runtime/lib/nodes` of that runtime. */
  _redNodes: object;
  _server?: { address(): { address: string; port: number } | string | null };
}

export const helper: NodeTestHelper = loadHelper();
const internals = helper as unknown as HelperInternals;

helper.init(nodeRedPath);
// The helper's server must never listen beyond loopback (it defaults to 127.0.0.1 today; make it
// explicit so an upstream change cannot widen it).
internals._address = '127.0.0.1';

export function helperInternals(): HelperInternals {
  return internals;
}

/** The version of the runtime the helper drives, e.g. `4.1.15` (a `-git` suffix is dropped). */
export function runtimeVersion(): string {
  return internals._RED.version().replace(/-git$/, '');
}
