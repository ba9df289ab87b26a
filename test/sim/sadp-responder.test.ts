import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import fc from 'fast-check';
import { readSadpDatagram } from '../../lib/sadp/sadp-datagram';
import { buildProbe } from '../../lib/sadp/sadp-probe';
import { SadpResponder, SimDevice, type SadpQuirks } from '../../sim';

interface Reply {
  text: string;
  from: RemoteInfo;
}

/** A bare client socket on loopback: sends one inquiry to the device, collects what comes back. */
async function ask(address: string, quirks: SadpQuirks, device: SimDevice): Promise<Reply> {
  const responder = new SadpResponder(device, { address, quirks, announceOnStart: false, port: 37020 });
  await responder.start();
  const client: Socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => client.bind({ address: '127.0.0.1', port: 0 }, resolve));
    const reply = new Promise<Reply>((resolve) =>
      client.once('message', (m, from) => resolve({ text: m.toString(), from })),
    );
    client.send(buildProbe('0F0F0F0F-1111-4222-8333-444455556666').datagram, 37020, address);
    return await reply;
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await responder.stop();
  }
}

describe('simulated SADP responder', function () {
  this.timeout(20_000);
  const devices: SimDevice[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });

  async function device(adminPassword: string | null = 'Resp-Admin-1!'): Promise<SimDevice> {
    const d = new SimDevice({
      adminPassword,
      serialNumber: 'DS-2CD2386G2-IU20240201AAWRJ00000401',
      macAddress: '44:19:b6:5e:04:01',
    });
    devices.push(d);
    await d.listen({ host: '127.0.0.41', port: 0 });
    return d;
  }

  it('answers an inquiry by unicast to the sender’s address and port, from its own address', async () => {
    const d = await device();
    const { text, from } = await ask('127.0.0.41', {}, d);
    assert.equal(from.address, '127.0.0.41');
    assert.equal(from.port, 37020);
    assert.match(
      text,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ProbeMatch>\n<Uuid>0F0F0F0F-1111-4222-8333-444455556666<\/Uuid>/,
    );
    assert.match(text, /<MAC>44-19-b6-5e-04-01<\/MAC>/);
    assert.match(text, /<SoftwareVersion>V5\.7\.15build 240201<\/SoftwareVersion>/);
    assert.match(text, new RegExp(`<HttpPort>${d.port}</HttpPort>`));
    assert.match(text, /<Activated>true<\/Activated>/);
  });

  it('applies every firmware quirk so the reader sees the same device either way', async () => {
    const d = await device(null);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          noActivatedElement: fc.boolean(),
          flase: fc.boolean(),
          crlf: fc.boolean(),
          spaceBeforeDeclarationEnd: fc.boolean(),
          macStyle: fc.constantFrom('dash' as const, 'colon' as const, 'dash-upper' as const),
          compactBuild: fc.boolean(),
          duplicateDeviceType: fc.boolean(),
          lowercaseUuid: fc.boolean(),
        }),
        async (quirks) => {
          const { text, from } = await ask('127.0.0.41', { ...quirks, replyDelayMs: [0, 0] }, d);
          assert.equal(text.includes('\r\n'), quirks.crlf);
          assert.equal(text.includes('"UTF-8" ?>'), quirks.spaceBeforeDeclarationEnd);
          assert.equal(text.includes('flase'), quirks.flase);
          assert.equal((text.match(/<DeviceType>/g) ?? []).length, quirks.duplicateDeviceType ? 2 : 1);
          assert.equal(text.includes('0f0f0f0f-'), quirks.lowercaseUuid);
          const read = readSadpDatagram(Buffer.from(text), from);
          assert.ok(read.kind === 'probeMatch');
          assert.equal(read.device.serial, 'DS-2CD2386G2-IU20240201AAWRJ00000401');
          assert.equal(read.device.mac, '44:19:b6:5e:04:01');
          assert.equal(read.device.firmware, 'V5.7.15 build 240201');
          assert.equal(read.device.activated, quirks.noActivatedElement ? null : false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reports the factory address while inactive, its own address once activated', async () => {
    const d = await device(null);
    const inactive = await ask('127.0.0.41', { factoryAddress: '192.168.1.64' }, d);
    assert.match(inactive.text, /<IPv4Address>192\.168\.1\.64<\/IPv4Address>/);
    assert.equal(inactive.from.address, '127.0.0.41');
    const active = await device();
    const reply = await ask('127.0.0.41', { factoryAddress: '192.168.1.64' }, active);
    assert.match(reply.text, /<IPv4Address>127\.0\.0\.41<\/IPv4Address>/);
  });

  it('binds only to loopback or the test hosts’ 198.51.100.0/24', async () => {
    const d = await device();
    assert.throws(() => new SadpResponder(d, { address: '192.0.2.10' }), /outside/);
    assert.throws(() => new SadpResponder(d, { address: '10.0.0.5' }), /outside/);
    assert.throws(
      () => new SadpResponder(d, { address: '127.0.0.41', interfaceAddress: '192.168.1.2' }),
      /outside/,
    );
    assert.throws(
      () => new SadpResponder(d, { address: '127.0.0.41', quirks: { replyDelayMs: [5, 1] } }),
      /replyDelayMs/,
    );
  });
});
