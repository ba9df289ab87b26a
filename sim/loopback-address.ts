/**
 * The simulator binds only to 127.0.0.0/8 (all of it routes to `lo` on Linux): it must never
 * appear on a real interface of the machine it runs on.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

type Octets = [number, number, number, number];

function octets(address: string): Octets | null {
  const [, a, b, c, d] = IPV4.exec(address) ?? [];
  if (a === undefined || b === undefined || c === undefined || d === undefined) return null;
  const parts: Octets = [Number(a), Number(b), Number(c), Number(d)];
  return parts.every((p) => p <= 255) ? parts : null;
}

/** True for dotted IPv4 addresses in 127.0.0.0/8, excluding the network and broadcast addresses. */
export function isLoopbackAddress(address: string): boolean {
  const parts = octets(address);
  if (!parts || parts[0] !== 127) return false;
  const host = (parts[1] << 16) | (parts[2] << 8) | parts[3];
  return host !== 0 && host !== 0xffffff;
}

/** `base` + `offset` as an IPv4 address, or null when it would leave 127.0.0.0/8. */
export function loopbackAddressAt(base: string, offset: number): string | null {
  const parts = octets(base);
  if (!parts || !isLoopbackAddress(base)) return null;
  const value = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] + offset;
  const address = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
  return isLoopbackAddress(address) ? address : null;
}
