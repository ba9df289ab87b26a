/**
 * Builds a private test network for multicast tests: a bridge in the test's own network namespace
 * (198.51.100.1/24) and one namespace per simulated host, joined to it by a veth pair
 * (198.51.100.11, .12, …). Nothing here touches an existing interface; `destroy()` removes every
 * namespace and link it made, also after a partial build.
 */
import { spawnSync } from 'node:child_process';

export const BRIDGE_ADDRESS = '198.51.100.1';
export const BRIDGE_NETMASK = '255.255.255.0';

export class TestNetwork {
  readonly bridge: string;
  readonly namespaces: string[] = [];
  private readonly tag: string;
  private bridgeMade = false;

  constructor() {
    // Interface names are at most 15 characters; the pid keeps parallel runs apart.
    this.tag = (process.pid % 100_000).toString(36);
    this.bridge = `hgbr${this.tag}`;
  }

  /** Why this environment cannot build the network, or null when it can. */
  static unavailableReason(): string | null {
    if (process.platform !== 'linux') return 'network namespaces need Linux';
    if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
    const probe = spawnSync('ip', ['-V'], { encoding: 'utf8' });
    if (probe.error) return `iproute2 is missing (${probe.error.message})`;
    return null;
  }

  /** The bridge and `hosts` namespaces; host i (0-based) gets 198.51.100.(11 + i). */
  build(hosts: number): string[] {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    this.bridgeMade = true;
    // Without IGMP snooping every port sees the group; the test is about hosts, not the bridge.
    ip('link', 'set', this.bridge, 'type', 'bridge', 'mcast_snooping', '0');
    ip('addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    const addresses: string[] = [];
    for (let i = 0; i < hosts; i++) {
      const ns = `hg-${this.tag}-${i}`;
      const outer = `hgv${this.tag}a${i}`;
      const inner = `hgv${this.tag}b${i}`;
      const address = `198.51.100.${11 + i}`;
      ip('netns', 'add', ns);
      this.namespaces.push(ns);
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', outer, 'master', this.bridge);
      ip('link', 'set', outer, 'up');
      ip('link', 'set', inner, 'netns', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
      ip('-n', ns, 'link', 'set', inner, 'up');
      addresses.push(address);
    }
    return addresses;
  }

  /** Removes the namespaces (their veth ends go with them) and the bridge; never throws. */
  destroy(): string[] {
    const problems: string[] = [];
    for (const ns of this.namespaces.splice(0)) {
      const r = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' });
      if (r.status !== 0) problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    if (this.bridgeMade) {
      const r = spawnSync('ip', ['link', 'del', this.bridge], { encoding: 'utf8' });
      if (r.status !== 0) problems.push(`ip link del ${this.bridge}: ${r.stderr.trim()}`);
      this.bridgeMade = false;
    }
    return problems;
  }
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim() || r.error?.message}`);
}
