/**
 * Which local IPv4 interfaces SADP talks on. The product default is every non-internal IPv4
 * interface (as the vendor tool does); tests and the demo always name loopback or a test bridge,
 * so nothing is sent or joined on a real LAN from them.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { InvalidArgumentError } from '../errors';
import type { SadpDevice } from './sadp-device';

export interface SadpInterface {
  /** OS name (`eth0`, `lo`), informative only. */
  name: string;
  address: string;
  netmask: string;
}

type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

function ipv4Entries(table: InterfaceTable): SadpInterface[] {
  const out: SadpInterface[] = [];
  for (const [name, infos] of Object.entries(table)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4') out.push({ name, address: info.address, netmask: info.netmask });
    }
  }
  return out;
}

/** Every non-internal IPv4 interface of this machine: the product default. */
export function allIpv4Interfaces(table: InterfaceTable = networkInterfaces()): SadpInterface[] {
  return ipv4Entries(table).filter((i) => !i.address.startsWith('127.'));
}

/**
 * Every IPv4 interface, loopback included: the CLI's default. Loopback traffic never leaves the
 * machine, and it is where a local simulator (`npm start`, `hik-guard sim`) answers.
 */
export function everyIpv4Interface(table: InterfaceTable = networkInterfaces()): SadpInterface[] {
  return ipv4Entries(table);
}

/**
 * Resolves configured names or addresses (`eth0`, `192.168.1.10`, `127.0.0.1`) to interfaces of
 * this machine. An entry that matches nothing is an error naming it, so a typo never silently
 * widens to "all interfaces".
 */
export function resolveInterfaces(
  specs: readonly string[],
  table: InterfaceTable = networkInterfaces(),
): SadpInterface[] {
  const known = ipv4Entries(table);
  const out: SadpInterface[] = [];
  for (const spec of specs) {
    const matches = known.filter((i) => i.address === spec || i.name === spec);
    if (matches.length === 0)
      throw new InvalidArgumentError(`interface ${spec}: no IPv4 interface has that name or address`);
    for (const match of matches) if (!out.some((o) => o.address === match.address)) out.push(match);
  }
  return out;
}

export function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** True when `address` lies in the interface's subnet; null when either is unreadable. */
export function inSubnet(address: string, iface: Pick<SadpInterface, 'address' | 'netmask'>): boolean | null {
  const a = ipv4ToInt(address);
  const b = ipv4ToInt(iface.address);
  const mask = ipv4ToInt(iface.netmask);
  if (a === null || b === null || mask === null) return null;
  // Unsigned 32-bit AND without sign trouble.
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

/** The first interface whose subnet holds `address`, or null. */
export function interfaceFor(address: string, interfaces: readonly SadpInterface[]): SadpInterface | null {
  return interfaces.find((i) => inSubnet(address, i) === true) ?? null;
}

/** Fills in the interface a sighting belongs to and whether its own IPv4 lies off that subnet. */
export function locate(device: SadpDevice, iface: SadpInterface | null): SadpDevice {
  if (!iface) return device;
  const subnet = inSubnet(device.ipv4 ?? device.sourceAddress, iface);
  return { ...device, interfaceAddress: iface.address, offSubnet: subnet === null ? null : !subnet };
}

/** `locate` for a datagram whose arrival interface is unknown: judged by its source address. */
export function locateBySource(device: SadpDevice, interfaces: readonly SadpInterface[]): SadpDevice {
  const iface = interfaceFor(device.sourceAddress, interfaces);
  if (iface) return locate(device, iface);
  return interfaces.length > 0 ? { ...device, offSubnet: true } : device;
}
