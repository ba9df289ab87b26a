/**
 * Real multicast across hosts: simulated devices in network namespaces of their own, joined to
 * this namespace by veth pairs and a bridge on 198.51.100.0/24. The scanner here sends to the
 * group through the bridge only (its interface named explicitly) and must find every device;
 * a device's Hello after a factory reset must reach the passive listener.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { resolveInterfaces } from '../../../lib/sadp/sadp-interfaces';
import { SadpPassiveListener, type SadpSighting } from '../../../lib/sadp/sadp-listener';
import { SadpScanner } from '../../../lib/sadp/sadp-scanner';
import { SadpSocketSet } from '../../../lib/sadp/sadp-socket-set';
import { isContainedAddress } from '../../support/sadp-test-network';
import { BRIDGE_ADDRESS, TestNetwork } from '../../support/test-netns';

const RUNNER = join(__dirname, '..', '..', 'support', 'sadp-device-runner.ts');
const HOSTS = 3;

interface Host {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  serial: string;
}

function waitForLine(host: Host, line: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${line}" from ${host.serial} within ${ms} ms`)), ms);
    const check = (): void => {
      if (host.lines.includes(line)) {
        clearTimeout(timer);
        host.child.stdout.off('data', check);
        resolve();
      }
    };
    host.child.stdout.on('data', check);
    host.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${host.serial} exited (${code}) before "${line}"`));
    });
    setImmediate(check);
  });
}

describe('SADP multicast across network namespaces', function () {
  this.timeout(60_000);
  const network = new TestNetwork();
  const hosts: Host[] = [];
  const sockets = new SadpSocketSet();

  before(async function () {
    const reason = TestNetwork.unavailableReason();
    if (reason) {
      if (process.env.CI) throw new Error(`CI must run the namespace test, but ${reason}`);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    const addresses = network.build(HOSTS);
    const tsx = require.resolve('tsx/cjs');
    addresses.forEach((address, i) => {
      const serial = `DS-2CD2386G2-IU20240201AAWRJ${String(500 + i).padStart(8, '0')}`;
      const spec = JSON.stringify({ address, serialNumber: serial, macAddress: `44:19:b6:5e:05:0${i}` });
      const ns = network.namespaces[i] ?? '';
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--require', tsx, RUNNER, spec], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const host: Host = { child, lines: [], serial };
      createInterface({ input: child.stdout }).on('line', (l) => host.lines.push(l.trim()));
      child.stderr.on('data', (c: Buffer) => process.stderr.write(`[${ns}] ${c.toString()}`));
      hosts.push(host);
    });
    await Promise.all(hosts.map((h) => waitForLine(h, 'ready')));
  });

  after(async () => {
    await Promise.all(
      hosts.splice(0).map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.child.exitCode !== null) return resolve();
            const kill = setTimeout(() => h.child.kill('SIGKILL'), 5_000);
            h.child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            h.child.stdin.end();
          }),
      ),
    );
    const problems = network.destroy();
    assert.deepEqual(problems, [], 'every namespace and link removed');
  });

  it('finds every device in the other namespaces through the bridge alone', async () => {
    const interfaces = resolveInterfaces([BRIDGE_ADDRESS]);
    assert.deepEqual(
      interfaces.map((i) => [i.name, i.address, i.netmask]),
      [[network.bridge, BRIDGE_ADDRESS, '255.255.255.0']],
    );
    for (const i of interfaces) assert.ok(isContainedAddress(i.address));
    const scanner = new SadpScanner({ interfaces, sockets, windowMs: 1500 });
    try {
      const { devices } = await scanner.scan();
      assert.deepEqual(devices.map((d) => d.serial).sort(), hosts.map((h) => h.serial).sort());
      for (const d of devices) {
        assert.match(d.sourceAddress, /^198\.51\.100\.1[1-3]$/);
        assert.equal(d.ipv4, d.sourceAddress);
        assert.equal(d.interfaceAddress, BRIDGE_ADDRESS);
        assert.equal(d.offSubnet, false);
      }
    } finally {
      await scanner.close();
    }
  });

  it('hears the Hello of a device that was factory reset in another namespace', async () => {
    const sightings: SadpSighting[] = [];
    const listener = new SadpPassiveListener({
      interfaces: resolveInterfaces([BRIDGE_ADDRESS]),
      sockets,
      onSighting: (s) => sightings.push(s),
    });
    await listener.start();
    try {
      const host = hosts[1];
      assert.ok(host);
      host.child.stdin.write('factory-reset\n');
      await waitForLine(host, 'reset-done');
      const deadline = Date.now() + 5_000;
      while (!sightings.some((s) => s.kind === 'hello') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const hello = sightings.find((s) => s.kind === 'hello');
      assert.ok(hello, 'a Hello arrived');
      assert.equal(hello.device.serial, host.serial);
      assert.equal(hello.device.activated, false);
      assert.equal(hello.device.sourceAddress, '198.51.100.12');
      assert.equal(hello.device.ipv4, '192.168.1.64');
      assert.equal(hello.device.offSubnet, true);
    } finally {
      await listener.stop();
    }
    assert.equal(sockets.openSockets, 0);
  });
});
