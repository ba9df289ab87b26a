/**
 * The only interfaces discovery tests, benchmarks and the demo use: loopback, or the test bridge
 * a namespace test builds on 198.51.100.0/24. The containment test checks every selection made
 * through here; nothing else in the tests names an interface.
 */
import type { SadpInterface } from '../../lib/sadp/sadp-interfaces';

export const LOOPBACK: SadpInterface = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' };
/** The node and CLI form of the same choice. */
export const LOOPBACK_SPEC = '127.0.0.1';

export const TEST_BRIDGE_SUBNET = '198.51.100.0/24';

/** True for loopback and for the test hosts' network — nothing a real LAN uses. */
export function isContainedAddress(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || /^198\.51\.100\.\d{1,3}$/.test(address);
}
