import assert from 'node:assert/strict';
import { DiscoveredFleet } from '../../../lib/sadp/discovered-fleet';
import { readSadpDatagram } from '../../../lib/sadp/sadp-datagram';
import type { SadpDevice } from '../../../lib/sadp/sadp-device';
import { SAMPLE_A_LEGACY, SAMPLE_B_MODERN } from '../../fixtures/sadp-samples';

function device(text: string, address = '192.168.124.40'): SadpDevice {
  const result = readSadpDatagram(Buffer.from(text), { address, port: 37020 });
  assert.ok(result.kind === 'probeMatch' || result.kind === 'hello');
  return result.device;
}

const B = device(SAMPLE_B_MODERN);

describe('discovered fleet (events between sightings)', () => {
  let now = 1_000_000;
  const clock = (): number => now;

  it('reports a new device as added, and also inactive when it is in factory state', () => {
    const fleet = new DiscoveredFleet({ clock });
    assert.deepEqual(
      fleet.sighted(B).map((e) => e.topic),
      ['added'],
    );
    const reset = device(
      SAMPLE_B_MODERN.replace('DS-2CD2385G1-I20200414AAWRE33842150', 'OTHER1').replace(
        '<Activated>true<',
        '<Activated>false<',
      ),
    );
    assert.deepEqual(
      fleet.sighted(reset).map((e) => e.topic),
      ['added', 'inactive'],
    );
    assert.equal(fleet.size, 2);
    assert.equal(fleet.inactiveCount(), 1);
  });

  it('never calls a legacy device without an Activated element inactive', () => {
    const fleet = new DiscoveredFleet({ clock });
    const events = fleet.sighted(device(SAMPLE_A_LEGACY));
    assert.deepEqual(
      events.map((e) => e.topic),
      ['added'],
    );
    assert.equal(fleet.inactiveCount(), 0);
  });

  it('says nothing when a device is seen again unchanged', () => {
    const fleet = new DiscoveredFleet({ clock });
    fleet.sighted(B);
    assert.deepEqual(fleet.sighted(device(SAMPLE_B_MODERN)), []);
  });

  it('reports an IP or firmware change as changed, naming the fields, with the previous sighting', () => {
    const fleet = new DiscoveredFleet({ clock });
    fleet.sighted(B);
    const moved = device(
      SAMPLE_B_MODERN.replace('>192.168.124.40<', '>192.168.124.41<').replace('V5.6.2build', 'V5.7.1build'),
      '192.168.124.41',
    );
    const [event, ...rest] = fleet.sighted(moved);
    assert.deepEqual(rest, []);
    assert.ok(event);
    assert.equal(event.topic, 'changed');
    assert.deepEqual(event.changes, ['ipv4', 'firmware', 'sourceAddress']);
    assert.equal(event.previous?.ipv4, '192.168.124.40');
    assert.equal(event.device.ipv4, '192.168.124.41');
  });

  it('reports a new boot time as rebooted, and a factory reset as changed, rebooted and inactive', () => {
    const fleet = new DiscoveredFleet({ clock });
    fleet.sighted(B);
    const rebooted = device(SAMPLE_B_MODERN.replace('1970-01-15 02:44:11', '1970-01-01 00:00:41'));
    assert.deepEqual(
      fleet.sighted(rebooted).map((e) => e.topic),
      ['changed', 'rebooted'],
    );
    const reset = device(
      SAMPLE_B_MODERN.replace('1970-01-15 02:44:11', '1970-01-01 00:00:09').replace(
        '<Activated>true<',
        '<Activated>false<',
      ),
    );
    const events = fleet.sighted(reset);
    assert.deepEqual(
      events.map((e) => e.topic),
      ['changed', 'rebooted', 'inactive'],
    );
    assert.deepEqual(events[2]?.changes, ['activated', 'bootTime']);
    assert.equal(fleet.inactiveCount(), 1);
  });

  it('reports gone after 45 s unseen by default, and not before', () => {
    now = 0;
    const fleet = new DiscoveredFleet({ clock });
    fleet.sighted(B);
    now = 44_999;
    assert.deepEqual(fleet.scanned([]), []);
    now = 45_000;
    const gone = fleet.scanned([]);
    assert.deepEqual(
      gone.map((e) => [e.topic, e.device.serial]),
      [['gone', B.serial]],
    );
    assert.equal(fleet.size, 0);
    assert.deepEqual(
      fleet.sighted(B).map((e) => e.topic),
      ['added'],
      'back again after gone is a new arrival',
    );
  });

  it('reports gone after N missed scans when configured, counting only scans that missed it', () => {
    now = 0;
    const fleet = new DiscoveredFleet({ clock, goneAfterScans: 2 });
    fleet.sighted(B);
    assert.deepEqual(fleet.scanned([]), []);
    assert.deepEqual(fleet.scanned([B]), []);
    assert.deepEqual(fleet.scanned([]), []);
    assert.deepEqual(
      fleet.scanned([]).map((e) => e.topic),
      ['gone'],
    );
  });

  it('keys a device without a serial by its MAC', () => {
    const fleet = new DiscoveredFleet({ clock });
    const noSerial = SAMPLE_B_MODERN.replace(/<DeviceSN>[^<]*<\/DeviceSN>/, '');
    fleet.sighted(device(noSerial));
    assert.deepEqual(fleet.sighted(device(noSerial.replace('58-50-ed-1f-e3-85', '58:50:ED:1F:E3:85'))), []);
    assert.equal(fleet.size, 1);
  });

  it('refuses unusable limits by name', () => {
    assert.throws(() => new DiscoveredFleet({ goneAfterMs: 0 }), /goneAfterMs/);
    assert.throws(() => new DiscoveredFleet({ goneAfterScans: -1 }), /goneAfterScans/);
  });
});
