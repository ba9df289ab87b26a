/** Triage from SADP's answer alone: firmware verdicts (CVE-2025-66177 included) and activation, no login. */
import assert from 'node:assert/strict';
import { triageSadp } from '../../../lib/audit/sadp-triage';
import type { SadpDevice } from '../../../lib/sadp/sadp-device';

function sighting(fields: Partial<SadpDevice>): SadpDevice {
  return {
    serial: 'DS-7608NXI-I2/8P/S20230619CCRRJ00000004',
    mac: '44:19:b6:5e:00:04',
    model: 'DS-7608NXI-I2/8P/S',
    deviceTypeCode: 2_049,
    ipv4: '127.0.0.14',
    ipv4Mask: '255.0.0.0',
    ipv4Gateway: null,
    ipv6: null,
    dhcp: false,
    httpPort: 80,
    commandPort: 8000,
    sdkOverTlsPort: null,
    firmware: 'V4.62.210 build 230619',
    dspVersion: null,
    bootTime: null,
    activated: true,
    passwordResetAbility: null,
    analogChannels: 0,
    digitalChannels: 8,
    sourceAddress: '127.0.0.14',
    sourcePort: 37020,
    interfaceAddress: null,
    offSubnet: false,
    raw: {},
    ...fields,
  };
}

describe('SADP triage before enrolment', () => {
  it('flags the SADP overflow CVE-2025-66177 on a recorder built before 250807', () => {
    const report = triageSadp(sighting({}), () => 0);
    assert.ok(report);
    assert.equal(report.source, 'sadp');
    assert.deepEqual(
      report.findings.map((f) => `${f.id}:${f.confidence}`),
      ['CVE-2025-66177:confirmed'],
    );
    assert.equal(report.checks.find((c) => c.check === 'settings')?.status, 'not_checked');
  });

  it('a recorder with a build from 250807 on has none', () => {
    const report = triageSadp(sighting({ firmware: 'V4.85.100 build 250807' }));
    assert.deepEqual(report?.findings, []);
  });

  it('reads the SADP notation without a space (V5.6.2build 190701) and reports an inactive device', () => {
    const report = triageSadp(
      sighting({
        serial: 'DS-2CD2443G0-IW20200316AAWRJ00000002',
        model: 'DS-2CD2443G0-IW',
        firmware: 'V5.6.2build 190701',
        activated: false,
      }),
    );
    assert.deepEqual(
      report?.findings.map((f) => f.id),
      ['CVE-2021-36260', 'not-activated'],
    );
  });

  it('pre-2015 firmware without an Activated element: C02 not checked, not a pass', () => {
    const report = triageSadp(sighting({ activated: null }));
    assert.equal(report?.checks.find((c) => c.check === 'C02')?.status, 'not_checked');
  });

  it('a sighting without a serial is not triaged', () => {
    assert.equal(triageSadp(sighting({ serial: null })), null);
  });
});
