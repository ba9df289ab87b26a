/**
 * The read-only audit of one device (docs/protocol/audit.md): deviceInfo for the firmware verdict,
 * the capability documents, then each configuration check as one GET, in turn, through the
 * client's login guard. Never a PUT/POST/DELETE, never an exploit string, never a second password:
 * a refused login, a lock, a changed certificate or a lost device ends the audit at once (the
 * error is thrown), while a check the firmware lacks is `not_checked`, never a pass.
 */
import {
  AuthFailedError,
  CertificatePinMismatchError,
  DeviceLockedError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  LoginGuardRefusedError,
  NotActivatedError,
  NotSupportedError,
} from '../errors';
import { trace } from '../diagnostics';
import { getDeviceInfo, type DeviceInfo } from '../isapi/endpoints/system';
import type { IsapiClient } from '../isapi/isapi-client';
import type { XmlElement } from '../xml/xml';
import { judgeFirmware } from './cve-match';
import { SEVERITIES, sortFindings, type AuditReport, type CheckRun, type Finding } from './finding';
import {
  EXPOSED_BY_UPNP,
  NOT_AUDITABLE,
  SETTINGS_CHECKS,
  type CheckContext,
  type SettingsCheck,
} from './settings-checks';

export interface AuditOptions {
  /** The account the client logs in with (its other accounts are "extra"). */
  username: string;
  clock?: () => number;
  /** Default: every check. Tests and the benchmark narrow it. */
  checks?: readonly SettingsCheck[];
}

const CAPABILITY_DOCUMENTS = ['/ISAPI/System/capabilities', '/ISAPI/Security/capabilities'] as const;

export async function auditDevice(client: IsapiClient, options: AuditOptions): Promise<AuditReport> {
  const now = options.clock ?? Date.now;
  const info = await getDeviceInfo(client);
  const checks: CheckRun[] = [{ check: 'firmware', status: 'pass', reason: null }];
  const findings: Finding[] = judgeFirmware(
    {
      model: info.model,
      deviceType: info.deviceType,
      firmwareVersion: info.firmwareVersion,
      firmwareBuild: info.firmwareBuild,
    },
    'GET /ISAPI/System/deviceInfo',
  );
  if (findings.length > 0) checks[0] = { check: 'firmware', status: 'fail', reason: null };

  const capabilities: XmlElement[] = [];
  for (const path of CAPABILITY_DOCUMENTS) {
    const doc = await read(client, path);
    if (doc !== 'not_supported' && 'xml' in doc && doc.xml) capabilities.push(doc.xml);
  }
  const ctx: CheckContext = {
    username: options.username,
    recorder: isRecorder(info),
    capability: (name) => capabilityFlag(capabilities, name),
    facts: new Map(),
  };
  for (const check of options.checks ?? SETTINGS_CHECKS) {
    const run = await runCheck(client, check, ctx);
    checks.push(run.status);
    findings.push(...run.findings);
  }
  for (const { check, reason } of NOT_AUDITABLE) checks.push({ check, status: 'not_checked', reason });
  trace('audit', 'audited', { serial: info.serial, findings: findings.length });
  return {
    serial: info.serial,
    model: info.model,
    firmware: info.firmware,
    source: 'isapi',
    auditedAt: new Date(now()).toISOString(),
    findings: sortFindings(escalateExposed(findings)),
    checks,
  };
}

async function runCheck(
  client: IsapiClient,
  check: SettingsCheck,
  ctx: CheckContext,
): Promise<{ status: CheckRun; findings: Finding[] }> {
  const skip = (reason: string) => ({
    status: { check: check.check, status: 'not_checked' as const, reason },
    findings: [],
  });
  if (check.when && !check.when(ctx)) return skip('not needed: the setting it depends on is off');
  const supported = check.capability ? ctx.capability(check.capability) : null;
  if (supported === false)
    return skip(`the firmware says it has no such feature (${check.capability}=false)`);
  const reply = await read(client, check.path(ctx));
  if (reply === 'not_supported') {
    return supported === true
      ? {
          status: {
            check: check.check,
            status: 'error',
            reason: 'the capabilities list it, but the read failed',
          },
          findings: [],
        }
      : skip('not on this firmware (the device answered notSupport or 404)');
  }
  if ('failed' in reply)
    return { status: { check: check.check, status: 'error', reason: reply.failed }, findings: [] };
  const found = check.judge(reply, ctx);
  if (found === null) return skip('the answer does not carry this setting on this firmware');
  return {
    status: { check: check.check, status: found.length > 0 ? 'fail' : 'pass', reason: null },
    findings: found,
  };
}

type ReadOutcome = { xml: XmlElement | null; body: string } | { failed: string } | 'not_supported';

/**
 * One GET. Answers the reply, `not_supported`, or why the read failed (an error code); throws
 * what must end the audit: a refused login, a lock, the guard's refusal, a changed certificate, a
 * lost device.
 */
async function read(client: IsapiClient, path: string): Promise<ReadOutcome> {
  try {
    const reply = await client.request('GET', path);
    return { xml: reply.xml, body: reply.body };
  } catch (err) {
    if (err instanceof NotSupportedError) return 'not_supported';
    if (endsAudit(err) || !HikError.isHikError(err)) throw err;
    return { failed: `the device answered ${err.code}` };
  }
}

function endsAudit(err: unknown): boolean {
  return (
    err instanceof AuthFailedError ||
    err instanceof DeviceLockedError ||
    err instanceof LoginGuardRefusedError ||
    err instanceof NotActivatedError ||
    err instanceof CertificatePinMismatchError ||
    err instanceof DeviceTimeoutError ||
    err instanceof DeviceUnreachableError
  );
}

function isRecorder(info: DeviceInfo): boolean {
  return /^(NVR|DVR|CVR)$/i.test(info.deviceType ?? '') || /^i?DS-[789]\d/.test(info.model);
}

/** `NetworkCap/isSupportUpnp`-style lookup by local names in any capability document. */
function capabilityFlag(documents: readonly XmlElement[], name: string): boolean | null {
  const [first = '', ...rest] = name.split('/');
  for (const doc of documents) {
    const el = doc.find(first);
    const target = rest.length > 0 ? el?.at(...rest) : el;
    if (target) return target.boolAt() ?? null;
  }
  return null;
}

/** A device mapped to the internet makes its weak entrances one level worse (§3.2). */
function escalateExposed(findings: Finding[]): Finding[] {
  if (!findings.some((f) => f.id === 'upnp-port-mapping')) return findings;
  return findings.map((f) => {
    if (!EXPOSED_BY_UPNP.has(f.id)) return f;
    const worse = SEVERITIES[Math.max(0, SEVERITIES.indexOf(f.severity) - 1)] ?? f.severity;
    return { ...f, severity: worse, evidence: `${f.evidence}; exposed through a UPnP port mapping` };
  });
}
