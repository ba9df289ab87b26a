/**
 * What a simulated device's Hello says, encoded by the simulator and decoded by the real codec,
 * as if sent from `from`: a sighting for tests that feed the fleet without sockets.
 */
import assert from 'node:assert/strict';
import { readSadpDatagram } from '../../lib/sadp/sadp-datagram';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import type { SimDevice } from '../../sim';
import { probeMatchXml } from '../../sim/sadp/probe-match-xml';
import { resolveSadpQuirks } from '../../sim/sadp/sadp-quirks';

export function helloOf(device: SimDevice, from: string): SadpDevice & { serial: string } {
  const network = { address: from, netmask: '255.0.0.0', gateway: '127.0.0.1' };
  const xml = probeMatchXml(device, 'hello', null, network, resolveSadpQuirks());
  const datagram = readSadpDatagram(Buffer.from(xml), { address: from, port: 37020 });
  assert.equal(datagram.kind, 'hello');
  const sighting = (datagram as { device: SadpDevice }).device;
  assert.equal(sighting.serial, device.serialNumber);
  return sighting as SadpDevice & { serial: string };
}
