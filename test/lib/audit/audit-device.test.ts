/**
 * The audit against simulated devices: each configuration check finds what the device's settings
 * say, a missing endpoint is "not checked" (never a pass), and the whole audit sends no write, no
 * exploit-like request and no wrong password (the simulator's own counters).
 */
import assert from 'node:assert/strict';
import { auditDevice } from '../../../lib/audit/audit-device';
import type { AuditReport } from '../../../lib/audit/finding';
import type { SimDevice, SimDeviceOptions } from '../../../sim';
import { SimHarness } from '../../support/sim-devices';

describe('audit of one device (read-only, against the simulator)', () => {
  const sim = new SimHarness();
  afterEach(() => sim.stop());

  async function audit(
    options: Partial<SimDeviceOptions> = {},
    password?: string,
  ): Promise<{ report: AuditReport; counters: SimDevice['counters'] }> {
    const device = await sim.device(options);
    const client = sim.client(device, password ? { credential: { username: 'admin', password } } : {});
    const report = await auditDevice(client, { username: 'admin' });
    return { report, counters: device.counters };
  }
  const ids = (report: AuditReport): string[] => report.findings.map((f) => f.id).sort();
  const status = (report: AuditReport, check: string): string | undefined =>
    report.checks.find((c) => c.check === check)?.status;

  it('a hardened current camera has no finding, and every check ran with GETs only', async () => {
    const { report, counters } = await audit({ authOffer: 'digest' });
    assert.deepEqual(ids(report), []);
    for (const check of [
      'C01',
      'C03',
      'C04',
      'C06',
      'C07',
      'C08',
      'C09',
      'C10',
      'C11-ssh',
      'C12',
      'C13',
      'C15',
      'C16',
      'C17',
    ])
      assert.equal(status(report, check), 'pass', check);
    assert.equal(counters.writeRequests, 0);
    assert.equal(counters.exploitLikeRequests, 0);
    assert.equal(counters.failedLogins, 0);
    assert.equal(
      counters.requestsByPath.get('GET /ISAPI/System/Network/UPnP'),
      2,
      'one GET (challenge + answer)',
    );
    for (const key of counters.requestsByPath.keys()) assert.match(key, /^GET /);
  });

  it('finds every risky setting the device has, one finding id per problem', async () => {
    const { report, counters } = await audit({
      authOffer: 'digest-and-basic-headers',
      onvifEnabled: true,
      onvifUsers: [
        { userName: 'nvr-onvif', password: 'Onvif-Pass-1', userType: 'administrator' },
        { userName: 'viewer-app', password: 'Onvif-Pass-2', userType: 'mediaUser' },
      ],
      users: [
        { userName: 'installer', password: 'Install-2019x', userLevel: 'Administrator' },
        { userName: 'viewer', password: 'View-2019xyz', userLevel: 'Viewer' },
      ],
      hardening: {
        https: false,
        tls11: true,
        sdkService: true,
        rtspAuth: 'digest/basic',
        upnp: true,
        ezviz: true,
        ezvizStreamEncryption: false,
        ddns: true,
        ssh: true,
        telnet: true,
        snmpV2c: true,
        timeMode: 'manual',
        recoveryEmail: '',
      },
    });
    assert.deepEqual(ids(report), [
      'ddns-enabled',
      'extra-accounts',
      'extra-administrator',
      'extra-services',
      'hik-connect-enabled',
      'hik-connect-unencrypted-stream',
      'http-enabled',
      'https-disabled',
      'no-recovery-email',
      'onvif-administrator',
      'onvif-enabled',
      'rtsp-basic-auth',
      'snmp-v1-v2c-enabled',
      'ssh-enabled',
      'telnet-enabled',
      'time-not-synchronised',
      'tls-1-1-enabled',
      'upnp-enabled',
      'web-basic-auth',
    ]);
    assert.equal(status(report, 'C08-ports'), 'pass', 'UPnP on, but nothing mapped');
    assert.equal(counters.writeRequests + counters.exploitLikeRequests + counters.failedLogins, 0);
  });

  it('an active UPnP port mapping is high and makes the weak entrances one level worse', async () => {
    const { report } = await audit({
      authOffer: 'digest-and-basic-headers',
      hardening: { upnp: true, upnpPortMapping: true, redirectToHttps: false },
    });
    const by = new Map(report.findings.map((f) => [f.id, f]));
    assert.equal(by.get('upnp-port-mapping')?.severity, 'high');
    assert.match(by.get('upnp-port-mapping')?.evidence ?? '', /http→8080/);
    assert.equal(by.get('web-basic-auth')?.severity, 'high', 'medium raised to high');
    assert.equal(by.get('http-enabled')?.severity, 'high');
    assert.equal(report.findings[0]?.severity, 'high', 'worst first');
  });

  it('a default or risky password is reported from userCheck, without trying any password', async () => {
    const { report, counters } = await audit({ adminPassword: '12345' }, '12345');
    assert.ok(ids(report).includes('default-password'));
    assert.equal(report.findings[0]?.severity, 'critical');
    assert.equal(counters.failedLogins, 0);
  });

  it('old firmware: missing endpoints are "not checked", never a pass', async () => {
    const { report, counters } = await audit({
      model: 'DS-2CD2532F-IWS',
      firmwareVersion: 'V5.2.0',
      firmwareReleasedDate: 'build 140721',
      authOffer: 'digest-and-basic-one-header',
      booleanQuirk: true,
    });
    for (const check of ['C07', 'C09', 'C11-ssh', 'C11-telnet', 'C15', 'C17']) {
      assert.equal(status(report, check), 'not_checked', check);
      assert.ok(report.checks.find((c) => c.check === check)?.reason, `${check} says why`);
    }
    assert.ok(ids(report).includes('CVE-2017-7921'));
    assert.equal(report.findings.find((f) => f.id === 'CVE-2017-7921')?.confidence, 'confirmed');
    assert.equal(counters.writeRequests + counters.exploitLikeRequests + counters.failedLogins, 0);
  });

  it('a recorder reads RTSP authentication from RTSPCertificate', async () => {
    const { report, counters } = await audit({ deviceType: 'NVR', hardening: { rtspAuth: 'digest/basic' } });
    assert.ok(ids(report).includes('rtsp-basic-auth'));
    assert.equal(counters.requestsByPath.get('GET /ISAPI/Security/RTSPCertificate'), 2);
    assert.equal(counters.requestsByPath.get('GET /ISAPI/Streaming/channels/101'), undefined);
    assert.ok(ids(report).includes('CVE-2025-66177'), 'a recorder built before 250807');
  });

  it('a wrong password ends the audit after one failed login', async () => {
    const device = await sim.device();
    const client = sim.client(device, { credential: { username: 'admin', password: 'Not-The-Pass1' } });
    await assert.rejects(auditDevice(client, { username: 'admin' }), { code: 'HIK_ERR_AUTH_FAILED' });
    assert.equal(device.counters.failedLogins, 1);
    assert.equal(device.counters.requests, 2);
  });
});
