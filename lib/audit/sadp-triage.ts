/**
 * Triage before enrolment, from SADP's answer alone (no login, nothing sent but the inquiry that
 * found the device): the firmware verdict from `SoftwareVersion` and the model, including
 * CVE-2025-66177 in SADP itself, and whether the device is activated (docs/protocol/audit.md §1.1, C02).
 */
import type { SadpDevice } from '../sadp/sadp-device';
import { judgeFirmware } from './cve-match';
import { sortFindings, type AuditReport, type CheckRun, type Finding } from './finding';

export function triageSadp(device: SadpDevice, clock: () => number = Date.now): AuditReport | null {
  const serial = device.serial;
  if (!serial) return null;
  const findings: Finding[] = judgeFirmware(
    { model: device.model, firmwareVersion: device.firmware },
    'SADP SoftwareVersion',
  );
  const checks: CheckRun[] = [
    { check: 'firmware', status: findings.length > 0 ? 'fail' : 'pass', reason: null },
  ];
  if (device.activated === false) {
    findings.push({
      id: 'not-activated',
      severity: 'critical',
      title: 'The device is not activated: anyone on the network can claim it',
      evidence: 'SADP: Activated=false',
      fix: 'Activate it now with a generated password (hik-guard activate).',
      confidence: 'confirmed',
    });
  }
  checks.push({
    check: 'C02',
    status: device.activated === null ? 'not_checked' : device.activated ? 'pass' : 'fail',
    reason: device.activated === null ? 'SADP did not say (firmware from before 2015)' : null,
  });
  checks.push({
    check: 'settings',
    status: 'not_checked',
    reason: 'settings need a login: enrol the device first',
  });
  return {
    serial,
    model: device.model,
    firmware: device.firmware,
    source: 'sadp',
    auditedAt: new Date(clock()).toISOString(),
    findings: sortFindings(findings),
    checks,
  };
}
