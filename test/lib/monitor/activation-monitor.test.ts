import assert from 'node:assert/strict';
import { DeviceTimeoutError } from '../../../lib/errors';
import { toIsapiError } from '../../../lib/isapi/response-status';
import { ActivationMonitor, type DeviceChange } from '../../../lib/monitor/activation-monitor';
import { readSadpDatagram } from '../../../lib/sadp/sadp-datagram';
import type { SadpDevice } from '../../../lib/sadp/sadp-device';

const FLEET_SIZE = 1000;

/** A Hello as a device sends it (element set of sample B, docs/protocol/sadp.md §4), decoded by the real codec. */
function hello(i: number, activated: boolean, bootTime: string): SadpDevice {
  const serial = `DS-2CD2386G2-IU20240201AAWRJ${String(i).padStart(8, '0')}`;
  const address = `198.51.100.${(i % 250) + 1}`;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><Hello><Types>hello</Types><DeviceType>141945</DeviceType>` +
    `<DeviceDescription>DS-2CD2386G2-IU</DeviceDescription><DeviceSN>${serial}</DeviceSN>` +
    `<MAC>44-19-b6-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}-00</MAC>` +
    `<IPv4Address>${address}</IPv4Address><IPv4SubnetMask>255.255.255.0</IPv4SubnetMask><DHCP>true</DHCP>` +
    `<HttpPort>80</HttpPort><SoftwareVersion>V5.7.18build 240826</SoftwareVersion><BootTime>${bootTime}</BootTime>` +
    `<Activated>${activated}</Activated></Hello>`;
  const datagram = readSadpDatagram(Buffer.from(xml), { address, port: 37020 });
  assert.equal(datagram.kind, 'hello');
  return (datagram as { device: SadpDevice }).device;
}

describe('activation monitor', () => {
  it('1,000 devices, 10 reset at once amid reboots and lost polls: exactly 10 alerts, one per reset device', () => {
    const changes: DeviceChange[] = [];
    const monitor = new ActivationMonitor({ onChange: (c) => changes.push(c), offlineAfterFailures: 3 });
    for (let i = 0; i < FLEET_SIZE; i += 1)
      monitor.observeSadp(hello(i, true, '2025-03-01 08:00:00'), 'probeMatch');
    assert.equal(monitor.counts().ok, FLEET_SIZE);
    changes.length = 0;

    const reset = new Set(Array.from({ length: 10 }, (_, k) => k * 97 + 3));
    for (let i = 0; i < FLEET_SIZE; i += 1) {
      // Every device reboots (a power cut); ten come back in factory state.
      monitor.observeSadp(hello(i, !reset.has(i), '2025-03-01 09:00:00'), 'hello');
      // The Hello is repeated, and the poll of some fails once: neither is a new transition.
      monitor.observeSadp(hello(i, !reset.has(i), '2025-03-01 09:00:00'), 'hello');
      if (i % 7 === 0) monitor.observePoll(hello(i, true, '').serial!, new Error('timeout'));
    }
    const alerts = changes.filter((c) => c.alert !== null);
    assert.equal(alerts.length, 10);
    assert.deepEqual(
      alerts.map((a) => a.serial).sort(),
      [...reset].map((i) => hello(i, true, '').serial).sort(),
    );
    assert.ok(alerts.every((a) => a.alert === 'inactive' && a.to === 'inactive' && a.from === 'active'));
    assert.equal(changes.filter((c) => c.event === 'rebooted').length, FLEET_SIZE - 10);
    assert.deepEqual(monitor.counts(), {
      ok: FLEET_SIZE - 10,
      inactive: 10,
      attention: 0,
      total: FLEET_SIZE,
    });
  });

  it('polls a device where its datagram came from, on the HTTP port it announced', () => {
    const monitor = new ActivationMonitor({ onChange: () => undefined });
    const device = { ...hello(5, false, '2025-03-01 09:00:00'), ipv4: '192.168.1.64', offSubnet: true };
    monitor.observeSadp(device, 'hello');
    assert.deepEqual(monitor.pollTargets(), [
      { serial: device.serial, address: { host: '198.51.100.6', port: 80, protocol: 'http' } },
    ]);
    assert.equal(monitor.get(device.serial!)?.ip, '198.51.100.6');
  });

  it('a poll answered with an ISAPI status (503 Device Busy) is a sign of life, not a missed poll', () => {
    const changes: DeviceChange[] = [];
    const monitor = new ActivationMonitor({ onChange: (c) => changes.push(c), offlineAfterFailures: 2 });
    const device = hello(8, true, '2025-03-01 09:00:00');
    monitor.observeSadp(device, 'hello');
    const busy = toIsapiError({
      httpStatus: 503,
      statusCode: 2,
      statusString: 'Device Busy',
      subStatusCode: null,
      requestUrl: null,
    });
    for (let i = 0; i < 5; i += 1) monitor.observePoll(device.serial!, busy);
    assert.equal(monitor.get(device.serial!)?.state, 'active');
    monitor.observePoll(device.serial!, new DeviceTimeoutError('response', 3000));
    monitor.observePoll(device.serial!, new DeviceTimeoutError('response', 3000));
    assert.equal(monitor.get(device.serial!)?.state, 'offline', 'a poll without any answer still counts');
  });

  it('keeps a configured poll address whatever SADP reports', () => {
    const monitor = new ActivationMonitor({ onChange: () => undefined });
    const device = hello(7, true, '2025-03-01 09:00:00');
    const poll = { host: '198.51.100.200', port: 443, protocol: 'https' as const };
    monitor.watch(device.serial!, { name: 'Porch', poll });
    monitor.observeSadp(device, 'hello');
    assert.deepEqual(monitor.pollTargets()[0]?.address, poll);
    assert.equal(monitor.get(device.serial!)?.name, 'Porch');
  });
});
