/**
 * The development machine sits on a real LAN: nothing in the tests, benchmarks or the demo may
 * probe it or join a multicast group on it. These checks hold the interface choices to loopback
 * and the test bridge's 198.51.100.0/24.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allIpv4Interfaces, everyIpv4Interface, resolveInterfaces } from '../../../lib/sadp/sadp-interfaces';
import { parseSadpTargetList } from '../../../lib/sadp/sadp-target';
import { DEMO_DISCOVERY_INTERFACES } from '../../../scripts/demo-discovery';
import { demoFlows } from '../../../scripts/demo-flows';
import { isContainedAddress, LOOPBACK, LOOPBACK_SPEC } from '../../support/sadp-test-network';
import { BRIDGE_ADDRESS } from '../../support/test-netns';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: join(dir, f), text: readFileSync(join(ROOT, dir, f), 'utf8') }));
}

describe('SADP containment: tests, benchmarks and the demo stay off the real LAN', () => {
  it('the test interfaces are loopback and the test bridge only', () => {
    assert.ok(isContainedAddress(LOOPBACK.address));
    assert.ok(isContainedAddress(BRIDGE_ADDRESS));
    assert.deepEqual(
      resolveInterfaces([LOOPBACK_SPEC]).map((i) => i.address),
      ['127.0.0.1'],
    );
    for (const address of ['192.0.2.2', '10.0.0.1', '192.168.1.64', '172.16.0.1', '198.51.101.1']) {
      assert.equal(isContainedAddress(address), false, address);
    }
  });

  it('the demo’s SADP nodes name loopback explicitly and probe no extra target', () => {
    const { flows } = demoFlows({
      examplesDir: join(__dirname, '..', '..', '..', 'examples'),
      devices: [{ host: '127.0.0.11', port: 80, protocol: 'http', serial: null }],
      password: null,
      interfaces: DEMO_DISCOVERY_INTERFACES,
    });
    const nodes = flows.filter((n) => n.type === 'hik-discover' || (n.type === 'hik-reset' && n.passive));
    assert.ok(nodes.length >= 3, 'the examples’ discovery and passive watchers');
    assert.equal(
      flows.filter((n) => n.type === 'hik-discover' && n.intervalSeconds !== 0).length,
      1,
      'one discovery scans the fleet, the others listen',
    );
    for (const node of nodes) {
      assert.equal(node.interfaces, DEMO_DISCOVERY_INTERFACES);
      const text: unknown = node.interfaces;
      const names = (typeof text === 'string' ? text : '').split(/[\s,]+/).filter(Boolean);
      assert.ok(names.length > 0, 'an empty list would mean every interface');
      for (const i of resolveInterfaces(names)) assert.ok(isContainedAddress(i.address), i.address);
      for (const t of parseSadpTargetList(typeof node.targets === 'string' ? node.targets : ''))
        assert.ok(isContainedAddress(t.host), t.host);
    }
  });

  it('no test, benchmark or script falls back to "every interface"', () => {
    const offenders: string[] = [];
    const checked = [...sources('test'), ...sources('bench'), ...sources('scripts')].filter(
      ({ file }) => !file.endsWith('sadp-containment.test.ts'),
    );
    assert.ok(
      checked.some(({ text }) => text.includes("type: 'hik-discover'")),
      'the scan saw the node tests',
    );
    for (const { file, text } of checked) {
      if (/(allIpv4Interfaces|everyIpv4Interface)\(\s*\)/.test(text)) offenders.push(file);
      // A hik-discover flow node with an empty interface list would scan every interface.
      if (/type: 'hik-discover'[\s\S]{0,400}?interfaces: ''/.test(text))
        offenders.push(`${file} (empty interfaces)`);
    }
    assert.deepEqual(offenders, []);
  });

  it('inside the test suite’s namespace even the product and CLI defaults find no real interface', function () {
    if (process.env.HIK_GUARD_NETNS !== '1') {
      console.log('      skipped: not inside npm test’s private network namespace');
      this.skip();
    }
    const real = allIpv4Interfaces().filter((i) => !isContainedAddress(i.address));
    assert.deepEqual(real, []);
    // The CLI's default (loopback included) is loopback alone here.
    assert.deepEqual(
      everyIpv4Interface().map((i) => i.address),
      ['127.0.0.1'],
    );
  });
});
