import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { helper, helperInternals, nodeRedPackage, nodeRedPath, runtimeVersion } from './node-red';

/** Which Node-RED major each leg must run; the runner sets HIK_GUARD_EXPECT_NODE_RED_MAJOR. */
function expectedMajor(): number {
  const fromRunner = process.env.HIK_GUARD_EXPECT_NODE_RED_MAJOR;
  if (fromRunner !== undefined) return Number(fromRunner);
  const byPackage: Record<string, number> = { 'node-red': 4, 'node-red-5': 5 };
  const major = byPackage[nodeRedPackage];
  assert.ok(major, `no expected major known for HIK_GUARD_NODE_RED=${nodeRedPackage}`);
  return major;
}

interface PackageJson {
  version: string;
  engines?: { node?: string };
}

function packageJsonOf(mainFile: string): PackageJson {
  // lib/red.js -> the package root
  return JSON.parse(readFileSync(join(dirname(mainFile), '..', 'package.json'), 'utf8')) as PackageJson;
}

describe('the Node-RED under test', () => {
  it('is the major version this leg of npm test expects', () => {
    const major = Number(runtimeVersion().split('.')[0]);
    assert.equal(major, expectedMajor(), `leg runs Node-RED ${runtimeVersion()} from ${nodeRedPath}`);
  });

  it('is the package HIK_GUARD_NODE_RED names, driven through its own @node-red/runtime', () => {
    const internals = helperInternals();
    assert.equal(internals._RED, require(nodeRedPath));
    assert.equal(runtimeVersion(), packageJsonOf(nodeRedPath).version);
    // The registry the helper drives must be the one that package itself resolves.
    const ownRuntimeNodes = createRequire(nodeRedPath).resolve('@node-red/runtime/lib/nodes');
    assert.equal(require.cache[ownRuntimeNodes]?.exports, internals._redNodes);
  });

  it('runs on a Node.js version the runtime supports', () => {
    const range = packageJsonOf(nodeRedPath).engines?.node ?? '';
    const minimum = /^>=\s*(\d+)(?:\.(\d+))?/.exec(range);
    assert.ok(minimum, `unexpected engines.node "${range}"`);
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const wantMajor = Number(minimum[1]);
    const wantMinor = minimum[2] ? Number(minimum[2]) : 0;
    assert.ok(
      major > wantMajor || (major === wantMajor && minor >= wantMinor),
      `Node ${process.versions.node} is below ${range}`,
    );
  });

  describe('the test helper server', () => {
    before((done) => {
      helper.startServer(done);
    });
    after((done) => {
      helper.stopServer(done);
    });

    it('listens on 127.0.0.1 only', () => {
      const address = helperInternals()._server?.address();
      assert.ok(address && typeof address === 'object');
      assert.equal(address.address, '127.0.0.1');
      assert.match(helper.url(), /^http:\/\/127\.0\.0\.1:\d+$/);
    });
  });
});
