import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SadpPassiveListener, type SadpSighting } from '../../../lib/sadp/sadp-listener';
import { SadpScanner } from '../../../lib/sadp/sadp-scanner';
import { SadpSocketSet } from '../../../lib/sadp/sadp-socket-set';
import { SimFleet, type SimFleetMember } from '../../../sim';
import { LOOPBACK } from '../../support/sadp-test-network';

const PASSWORD = 'Scan-Admin-1!';

function member(n: number, extra: Partial<SimFleetMember> = {}): SimFleetMember {
  return {
    adminPassword: PASSWORD,
    serialNumber: `DS-2CD2386G2-IU20240201AAWRJ${String(300 + n).padStart(8, '0')}`,
    ...extra,
  };
}

/** A full collection on demand (mocha runs without --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function sendJunk(port: number, payloads: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  for (const p of payloads)
    await new Promise<void>((resolve) => socket.send(p, port, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe('SADP scanner and passive listener on loopback', function () {
  this.timeout(15_000);
  let fleet: SimFleet | null = null;
  let sockets: SadpSocketSet;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    sockets = new SadpSocketSet();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await fleet?.stop();
    fleet = null;
    assert.equal(sockets.openSockets, 0, 'every socket released');
  });

  function scanner(options: Partial<ConstructorParameters<typeof SadpScanner>[0]> = {}): SadpScanner {
    const s = new SadpScanner({ interfaces: [LOOPBACK], windowMs: 400, sockets, ...options });
    closers.push(() => s.close());
    return s;
  }

  it('finds every device once, although each answered all three inquiries', async () => {
    fleet = await SimFleet.start({
      devices: [member(1), member(2), member(3)],
      port: 0,
      sadp: { announceOnStart: false },
    });
    const { devices, stats } = await scanner().scan();
    assert.deepEqual(devices.map((d) => d.serial).sort(), fleet.devices.map((d) => d.serialNumber).sort());
    for (const r of fleet.sadpResponders) assert.equal(r.counters.replies, 3);
    assert.equal(stats.probesSent, 3);
    assert.equal(stats.uuidMismatches, 0);
    assert.ok(stats.repeats >= 6, `repeats not parsed again (${stats.repeats})`);
    for (const d of devices) {
      assert.equal(d.interfaceAddress, '127.0.0.1');
      assert.equal(d.offSubnet, false);
      assert.equal(d.sourceAddress, d.ipv4);
      assert.equal(d.activated, true);
    }
  });

  it('matches a lower-case Uuid echo to its inquiry and hears replies multicast to the group', async () => {
    fleet = await SimFleet.start({
      devices: [
        member(1, { sadp: { lowercaseUuid: true } }),
        member(2, { sadp: { multicastReplies: true } }),
      ],
      port: 0,
      sadp: { announceOnStart: false },
    });
    const { devices, stats } = await scanner().scan();
    assert.equal(devices.length, 2);
    assert.equal(stats.uuidMismatches, 0);
    assert.ok(stats.groupListening);
  });

  it('does not find a device that is rebooting, and finds it again once it is up', async () => {
    fleet = await SimFleet.start({
      devices: [member(1), member(2)],
      port: 0,
      sadp: { announceOnStart: false },
    });
    const [first, second] = fleet.devices;
    assert.ok(first && second);
    first.profile.rebootMs = 1500;
    const reboot = first.reboot();
    const during = await scanner().scan();
    assert.deepEqual(
      during.devices.map((d) => d.serial),
      [second.serialNumber],
    );
    await reboot;
    const after = await scanner().scan();
    assert.equal(after.devices.length, 2);
  });

  it('counts junk sent to its socket as drops and keeps going', async () => {
    fleet = await SimFleet.start({ devices: [member(1)], port: 0, sadp: { announceOnStart: false } });
    const s = scanner();
    const scan = s.scan();
    const lease = await sockets.leaseScanSocket('127.0.0.1');
    await sendJunk(lease.localPort, [
      Buffer.from([0x21, 0x02, 0x01, 0x00]),
      Buffer.from('<ProbeMatch><Uuid>x</Uuid>'),
      Buffer.from('<ProbeMatch><Types>inquiry</Types></ProbeMatch>'),
    ]);
    await lease.release();
    const { devices, stats } = await scan;
    assert.equal(devices.length, 1);
    assert.equal(stats.dropped.notXml, 1);
    assert.equal(stats.dropped.malformed, 1);
    assert.equal(stats.dropped.noIdentity, 1);
  });

  it('a kept lease lets go of a handler once it unsubscribed (a scanner subscribes once per scan)', async () => {
    const lease = await sockets.leaseScanSocket('127.0.0.1');
    closers.push(() => lease.release());
    const subscribeAndForget = (): WeakRef<object> => {
      const scanState = new Map([['found', 'a scan holds its devices here']]);
      const handler = (): void => {
        scanState.clear();
      };
      lease.onDatagram(handler)();
      lease.onError(handler)();
      return new WeakRef(handler);
    };
    const handler = subscribeAndForget();
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    assert.equal(handler.deref(), undefined, 'the handler (and the scan it closes over) was kept');
  });

  it('two scanners share their sockets; a scan asked for twice at once runs once', async () => {
    fleet = await SimFleet.start({ devices: [member(1)], port: 0, sadp: { announceOnStart: false } });
    const a = scanner();
    const b = scanner();
    const [ra, rb, ra2] = await Promise.all([a.scan(), b.scan(), a.scan()]);
    assert.equal(sockets.openSockets, 2, 'one inquiry socket and one group socket');
    assert.equal(ra, ra2);
    assert.equal(ra.devices.length, 1);
    assert.equal(rb.devices.length, 1);
    assert.equal(fleet.sadpResponders[0]?.counters.inquiries, 6, 'two scans of three inquiries');
  });

  it('ends a running scan early on close and refuses further scans', async () => {
    const s = scanner({ windowMs: 10_000 });
    const scan = s.scan();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.close();
    const result = await scan;
    assert.deepEqual(result.devices, []);
    await assert.rejects(s.scan(), /closed/);
  });

  it('the passive listener hears the Hello of a device coming back from a factory reset', async () => {
    fleet = await SimFleet.start({
      devices: [member(1, { sadp: { factoryAddress: '192.168.1.64' } })],
      port: 0,
      sadp: { announceOnStart: false },
    });
    const sightings: SadpSighting[] = [];
    const listener = new SadpPassiveListener({
      interfaces: [LOOPBACK],
      sockets,
      onSighting: (s) => sightings.push(s),
    });
    closers.push(() => listener.stop());
    await listener.start();
    await scanner().scan();
    const heard = (): number => sightings.length;
    assert.equal(heard(), 0, 'unicast replies and inquiries are not sightings');
    assert.ok(listener.stats.ignored >= 3, 'our own inquiries were heard and ignored');
    const device = fleet.devices[0];
    assert.ok(device);
    device.profile.rebootMs = 10;
    await device.factoryReset();
    const deadline = Date.now() + 3000;
    while (heard() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const hello = sightings[0];
    assert.ok(hello, 'a Hello arrived');
    assert.equal(hello.kind, 'hello');
    assert.equal(hello.device.serial, device.serialNumber);
    assert.equal(hello.device.activated, false);
    assert.equal(hello.device.ipv4, '192.168.1.64');
    assert.equal(hello.device.offSubnet, true);
  });

  it('refuses unusable options by name', () => {
    assert.throws(() => new SadpScanner({ sockets, windowMs: 10 }), /windowMs/);
    assert.throws(() => new SadpScanner({ sockets, sends: 9 }), /sends/);
    assert.throws(() => new SadpScanner({ sockets, targets: [{ host: '127.0.0.1', port: 70000 }] }), /port/);
  });
});
