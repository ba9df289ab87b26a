import assert from 'node:assert/strict';
import {
  readSadpDatagram,
  MAX_SADP_DATAGRAM_BYTES,
  type SadpDatagram,
} from '../../../lib/sadp/sadp-datagram';
import { deviceKey, normaliseMac, type SadpDevice } from '../../../lib/sadp/sadp-device';
import { buildProbe } from '../../../lib/sadp/sadp-probe';
import { SAMPLE_A_LEGACY, SAMPLE_B_INACTIVE, SAMPLE_B_MODERN } from '../../fixtures/sadp-samples';

const SOURCE = { address: '192.0.2.77', port: 37020 };

function read(text: string | Buffer): SadpDatagram {
  return readSadpDatagram(typeof text === 'string' ? Buffer.from(text) : text, SOURCE);
}

function device(text: string | Buffer): SadpDevice {
  const result = read(text);
  if (result.kind !== 'probeMatch' && result.kind !== 'hello') {
    assert.fail(`expected a sighting, got ${JSON.stringify(result)}`);
  }
  return result.device;
}

describe('SADP inquiry', () => {
  it('is the vendor tool’s one-line Probe with a fresh upper-case UUID each time', () => {
    const first = buildProbe();
    const second = buildProbe();
    assert.match(first.uuid, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.notEqual(first.uuid, second.uuid);
    assert.equal(
      first.datagram.toString('utf8'),
      `<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${first.uuid}</Uuid><Types>inquiry</Types></Probe>`,
    );
    assert.equal(first.datagram.at(-1), '>'.charCodeAt(0), 'no trailing NUL or newline');
  });
});

describe('SADP datagram reader', () => {
  it('reads the legacy 2016 camera (sample A): activation unknown, never "inactive"', () => {
    const d = device(SAMPLE_A_LEGACY);
    assert.equal(d.activated, null);
    assert.equal(d.serial, 'DS-2CD2432F-IW20150126CCCH502126167');
    assert.equal(d.model, 'DS-2CD2432F-IW');
    assert.equal(d.mac, 'c0:56:e3:fe:42:92');
    assert.equal(d.ipv4, '10.1.1.251');
    assert.equal(d.ipv4Mask, '255.255.255.0');
    assert.equal(d.ipv4Gateway, '10.1.1.1');
    assert.equal(d.ipv6, null, '`::` means unset');
    assert.equal(d.dhcp, false);
    assert.equal(d.httpPort, 80);
    assert.equal(d.commandPort, 8000);
    assert.equal(d.sdkOverTlsPort, null);
    assert.equal(d.firmware, 'V5.2.5 build 141201');
    assert.equal(d.dspVersion, 'V5.0 build 140714');
    assert.equal(d.bootTime, '2016-03-06 09:18:17');
    assert.equal(d.deviceTypeCode, 38930);
    assert.equal(d.analogChannels, 0);
    assert.equal(d.digitalChannels, 1);
    assert.equal(d.passwordResetAbility, null);
    assert.equal(d.sourceAddress, SOURCE.address);
    assert.equal(d.sourcePort, SOURCE.port);
    assert.equal(d.raw.SoftwareVersion, 'V5.2.5build 141201', 'raw keeps the text as sent');
  });

  it('reads the 2019 camera (sample B): activated, `flase` read as false, lower-case Uuid kept', () => {
    const result = read(SAMPLE_B_MODERN);
    assert.ok(result.kind === 'probeMatch', result.kind);
    assert.equal(result.uuid, 'e8ecfe09-90e4-44c0-842b-703f46b58c81');
    const d = result.device;
    assert.equal(d.activated, true);
    assert.equal(d.passwordResetAbility, true);
    assert.equal(d.sdkOverTlsPort, 8443);
    assert.equal(d.firmware, 'V5.6.2 build 190701');
    assert.equal(d.bootTime, '1970-01-15 02:44:11', 'an unset clock is reported as it is');
    assert.equal(d.raw.HCPlatformEnable, 'flase');
    assert.equal(d.raw.DeviceLock, 'flase');
  });

  it('flags Activated=false as inactive (synthetic vector derived from sample B)', () => {
    assert.equal(device(SAMPLE_B_INACTIVE).activated, false);
    assert.equal(device(SAMPLE_B_MODERN.replace('<Activated>true<', '<Activated>flase<')).activated, false);
    assert.equal(device(SAMPLE_B_MODERN.replace('<Activated>true<', '<Activated>0<')).activated, false);
    assert.equal(device(SAMPLE_B_MODERN.replace('<Activated>true<', '<Activated>TRUE<')).activated, true);
    assert.equal(device(SAMPLE_B_MODERN.replace('<Activated>true<', '<Activated>maybe<')).activated, null);
  });

  it('tolerates CRLF, tabs, one-line bodies and a space before `?>`', () => {
    const crlf = SAMPLE_B_MODERN.replace(/\n/g, '\r\n');
    const spaced = SAMPLE_B_MODERN.replace('encoding="UTF-8"?>', 'encoding="UTF-8" ?>');
    const oneLine = SAMPLE_B_MODERN.replace(/\n/g, '');
    const tabbed = SAMPLE_B_MODERN.replace(/\n</g, '\n\t<');
    const expected = device(SAMPLE_B_MODERN);
    for (const variant of [crlf, spaced, oneLine, tabbed, `\uFEFF${SAMPLE_B_MODERN}`]) {
      const d = device(variant);
      assert.equal(d.serial, expected.serial);
      assert.equal(d.activated, true);
      assert.equal(d.firmware, expected.firmware);
    }
  });

  it('keeps the first of duplicated elements (DeviceType twice, as the ITSC responder sends)', () => {
    const doubled = SAMPLE_A_LEGACY.replace(
      '</BootTime>',
      '</BootTime>\n<DeviceType>99999</DeviceType>\n<Activated>true</Activated><Activated>false</Activated>',
    );
    const d = device(doubled);
    assert.equal(d.deviceTypeCode, 38930);
    assert.equal(d.activated, true);
  });

  it('matches element names in any case (Ipv4Address, IPV6MASKLEN) and any order', () => {
    const renamed = SAMPLE_A_LEGACY.replace(/IPv4Address/g, 'Ipv4Address').replace(/DeviceSN/g, 'devicesn');
    const d = device(renamed);
    assert.equal(d.ipv4, '10.1.1.251');
    assert.equal(d.serial, 'DS-2CD2432F-IW20150126CCCH502126167');
    const lines = SAMPLE_B_MODERN.split('\n');
    const reordered = [lines[0], lines[1], ...lines.slice(2, -2).reverse(), ...lines.slice(-2)].join('\n');
    assert.equal(device(reordered).serial, 'DS-2CD2385G1-I20200414AAWRE33842150');
  });

  it('normalises MACs written with dashes or colons, in either case', () => {
    for (const form of ['58-50-ED-1F-E3-85', '58:50:ed:1f:e3:85', '58-50-ed-1f-e3-85', '5850ED1FE385']) {
      assert.equal(device(SAMPLE_B_MODERN.replace('58-50-ed-1f-e3-85', form)).mac, '58:50:ed:1f:e3:85');
    }
    assert.equal(normaliseMac('58-50-ed-1f-e3'), null);
    assert.equal(normaliseMac('zz-50-ed-1f-e3-85'), null);
  });

  it('reads version strings with and without a space or comma before `build`', () => {
    for (const [text, expected] of [
      ['V5.6.2build 190701', 'V5.6.2 build 190701'],
      ['V7.3 build 190626', 'V7.3 build 190626'],
      ['V5.0, build 140714', 'V5.0 build 140714'],
      ['V4.0.1', 'V4.0.1'],
    ] as const) {
      const body = SAMPLE_A_LEGACY.replace('V5.2.5build 141201', text);
      assert.equal(device(body).firmware, expected);
    }
  });

  it('reads a Hello announcement as a sighting of kind hello, without a Uuid', () => {
    const hello = SAMPLE_B_INACTIVE.replace(/ProbeMatch>/g, 'Hello>')
      .replace(/<Uuid>[^<]*<\/Uuid>\n/, '')
      .replace('<Types>inquiry</Types>', '<Types>hello</Types>');
    const result = read(hello);
    assert.ok(result.kind === 'hello', result.kind);
    assert.equal(result.uuid, null);
    assert.equal(result.device.activated, false);
  });

  it('falls back to the MAC for identity when the serial is missing', () => {
    const d = device(SAMPLE_B_MODERN.replace(/<DeviceSN>[^<]*<\/DeviceSN>/, ''));
    assert.equal(d.serial, null);
    assert.equal(deviceKey(d), 'mac:58:50:ed:1f:e3:85');
    assert.equal(deviceKey(device(SAMPLE_B_MODERN)), 'sn:DS-2CD2385G1-I20200414AAWRE33842150');
  });

  it('treats other clients’ inquiries and command replies as other traffic, not sightings', () => {
    assert.deepEqual(read(buildProbe().datagram), { kind: 'other', types: 'inquiry' });
    const commandReply =
      '<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Uuid>X</Uuid><MAC>00-00-00-00-00-00</MAC><Types>getcode</Types><Result>success</Result></ProbeMatch>';
    assert.deepEqual(read(commandReply), { kind: 'other', types: 'getcode' });
  });

  it('drops, with a reason, what is too large, not XML, malformed, not SADP or without identity', () => {
    const cases: [string | Buffer, string][] = [
      [Buffer.alloc(MAX_SADP_DATAGRAM_BYTES + 1, 0x3c), 'tooLarge'],
      [Buffer.from([0x21, 0x02, 0x01, 0x42, 0, 0, 0, 1]), 'notXml'],
      ['', 'notXml'],
      ['hello world', 'notXml'],
      [SAMPLE_B_MODERN.slice(0, 700), 'malformed'],
      ['<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><ProbeMatch>&a;</ProbeMatch>', 'malformed'],
      [`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`, 'malformed'],
      ['<Envelope><Body/></Envelope>', 'notSadp'],
      ['<ProbeMatch><Types>inquiry</Types><IPv4Address>10.0.0.1</IPv4Address></ProbeMatch>', 'noIdentity'],
    ];
    for (const [input, reason] of cases) {
      assert.deepEqual(read(input), { kind: 'dropped', reason }, `input ${String(input).slice(0, 40)}`);
    }
  });

  it('drops a datagram with an element named __proto__ without touching any prototype', () => {
    const hostile = SAMPLE_A_LEGACY.replace('</BootTime>', '</BootTime><__proto__>polluted</__proto__>');
    assert.deepEqual(read(hostile), { kind: 'dropped', reason: 'malformed' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
