/**
 * The interface choices from an interface table (no real interface is read): the product default
 * leaves loopback out, the CLI's default keeps it (a local simulator answers there).
 */
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { allIpv4Interfaces, everyIpv4Interface } from '../../../lib/sadp/sadp-interfaces';

function entry(address: string, family: 'IPv4' | 'IPv6', netmask: string): NetworkInterfaceInfo {
  const common = {
    address,
    netmask,
    mac: '00:00:00:00:00:00',
    internal: address.startsWith('127.'),
    cidr: null,
  };
  return family === 'IPv4' ? { ...common, family } : { ...common, family, scopeid: 0 };
}

const TABLE: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [
    entry('127.0.0.1', 'IPv4', '255.0.0.0'),
    entry('::1', 'IPv6', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
  ],
  eth0: [entry('198.51.100.7', 'IPv4', '255.255.255.0'), entry('fe80::1', 'IPv6', 'ffff:ffff:ffff:ffff::')],
};

describe('SADP interface defaults', () => {
  it('the product default is every IPv4 interface but loopback', () => {
    assert.deepEqual(
      allIpv4Interfaces(TABLE).map((i) => [i.name, i.address]),
      [['eth0', '198.51.100.7']],
    );
  });

  it('the CLI default is every IPv4 interface, loopback included', () => {
    assert.deepEqual(
      everyIpv4Interface(TABLE).map((i) => [i.name, i.address, i.netmask]),
      [
        ['lo', '127.0.0.1', '255.0.0.0'],
        ['eth0', '198.51.100.7', '255.255.255.0'],
      ],
    );
  });
});
