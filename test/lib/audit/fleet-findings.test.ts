/**
 * The fleet keeps each device's last audit, and a critical finding is told to Home Assistant once:
 * not again on the next audit, not again after a restart (findings.json), again only when it is new.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditReport, Finding } from '../../../lib/audit/finding';
import { FindingsStore } from '../../../lib/audit/findings-store';
import { Fleet } from '../../../lib/fleet/fleet';
import type { AlertPublisher } from '../../../lib/homeassistant/alert-publisher';
import type { EntityState } from '../../../lib/homeassistant/device-entity';
import { HikGuardAlerts } from '../../../lib/homeassistant/hik-guard-alerts';
import type { DeviceChange } from '../../../lib/monitor/activation-monitor';

const SERIAL = 'DS-2CD2532F-IWS20140721AAWRJ00000003';

function finding(id: string, severity: Finding['severity']): Finding {
  return { id, severity, title: id, evidence: 'seen', fix: 'fix it', confidence: 'confirmed' };
}

function report(findings: Finding[], source: AuditReport['source'] = 'isapi'): AuditReport {
  return {
    serial: SERIAL,
    model: 'DS-2CD2532F-IWS',
    firmware: 'V5.2.0 build 140721',
    source,
    auditedAt: new Date().toISOString(),
    findings,
    checks: [],
  };
}

describe('fleet: audit findings per device', () => {
  let dir: string;
  const fleets: Fleet[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-findings-'));
  });
  afterEach(async () => {
    for (const fleet of fleets.splice(0)) await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{
    fleet: Fleet;
    events: unknown[];
    entities: EntityState[];
    heard: DeviceChange[];
  }> {
    const events: unknown[] = [];
    const entities: EntityState[] = [];
    const heard: DeviceChange[] = [];
    const publisher: AlertPublisher = {
      fireEvent: (_type, data, onDelivered) => {
        events.push(data);
        onDelivered?.();
      },
      showNotification: () => undefined,
      dismissNotification: () => undefined,
      notify: () => undefined,
      pending: 0,
      settled: () => Promise.resolve(),
      close: () => undefined,
    };
    const alerts = new HikGuardAlerts({
      entities: {
        publish: (e) => entities.push(e),
        republishAll: () => undefined,
        pending: 0,
        settled: () => Promise.resolve(),
        close: () => undefined,
      },
      alerts: publisher,
      describe: (t) => ({ title: t.type, message: t.serial }),
    });
    const findings = await FindingsStore.open(join(dir, 'findings.json'), (err) => assert.fail(err));
    const fleet = new Fleet({ vault: null, findings, onError: (err) => assert.fail(err) });
    fleets.push(fleet);
    fleet
      .view({ pollIntervalMs: 0, link: { key: 'ha', alerts }, onChange: (c) => heard.push(c) })
      .watch(SERIAL, {});
    return { fleet, events, entities, heard };
  }

  const types = (events: unknown[]): unknown[] =>
    events.map((e) => (e as { type: unknown; evidence: { finding: unknown } }).evidence.finding);

  it('a new critical finding is one security_finding event; the same finding again is none', async () => {
    const { fleet, events, heard } = await open();
    fleet.recordAudit(report([finding('CVE-2017-7921', 'critical'), finding('upnp-enabled', 'medium')]));
    fleet.recordAudit(report([finding('CVE-2017-7921', 'critical'), finding('upnp-enabled', 'medium')]));
    assert.deepEqual(types(events), ['CVE-2017-7921'], 'told once, and only the critical one');
    assert.equal((events[0] as { type: unknown }).type, 'security_finding');
    assert.deepEqual(
      heard.map((c) => c.event),
      ['security_finding'],
    );
    fleet.recordAudit(
      report([finding('CVE-2017-7921', 'critical'), finding('default-password', 'critical')]),
    );
    assert.deepEqual(types(events), ['CVE-2017-7921', 'default-password'], 'a new one is told');
    const audit = fleet.row(SERIAL).audit;
    assert.ok(audit);
    assert.equal(audit.worst, 'critical');
    assert.deepEqual(
      audit.findings.map((f) => f.id),
      ['CVE-2017-7921', 'default-password'],
    );
  });

  it('after a restart the stored report is shown and its critical findings are not told again', async () => {
    const first = await open();
    first.fleet.recordAudit(report([finding('CVE-2021-36260', 'critical')]));
    await first.fleet.stop();
    assert.match(await readFile(join(dir, 'findings.json'), 'utf8'), /CVE-2021-36260/);
    const second = await open();
    assert.equal(second.fleet.row(SERIAL).audit?.worst, 'critical', 'shown at once after the restart');
    second.fleet.recordAudit(report([finding('CVE-2021-36260', 'critical')]));
    assert.deepEqual(second.events, [], 'not told again');
  });

  it('a SADP triage never replaces an audit made with a login; the entity carries the findings', async () => {
    const { fleet, entities } = await open();
    fleet.recordAudit(report([finding('upnp-enabled', 'medium')]));
    fleet.recordAudit(report([], 'sadp'));
    assert.equal(fleet.lastAudit(SERIAL)?.source, 'isapi');
    const entity = entities.at(-1);
    assert.ok(entity);
    assert.equal(entity.attributes.findings_worst, 'medium');
    assert.equal(entity.attributes.findings, 'upnp-enabled (medium)');
  });
});
