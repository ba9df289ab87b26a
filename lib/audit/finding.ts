/**
 * The shape of what an audit reports (docs/protocol/audit.md §5): one finding per problem, with a
 * stable id (a CVE id, or kebab-case for settings), a severity on the CVSS bands, how sure we are,
 * what was seen (element values only, never a secret, never a whole body) and what to do about it.
 */

/** Worst first: the order badges, sorting and "worst finding" use. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * `confirmed`: the model matches a published range and the version is inside it (or a setting was
 * read). `likely`: a loose family match, or a version between the last listed vulnerable one and
 * the first listed fix. `unknown`: a field needed to judge was missing.
 */
export type Confidence = 'confirmed' | 'likely' | 'unknown';

export interface Finding {
  /** `CVE-2021-36260`, or a settings id such as `upnp-port-mapping`; stable across releases. */
  id: string;
  severity: Severity;
  title: string;
  /** What was seen, e.g. `GET /ISAPI/System/Network/UPnP: enabled=true`. Never a secret. */
  evidence: string;
  fix: string;
  confidence: Confidence;
}

/** How one check went: `not_checked` when the firmware does not offer it (never a pass). */
export type CheckStatus = 'pass' | 'fail' | 'not_checked' | 'error';

/** What each check looks at, in words (the catalogue in docs/protocol/audit.md §3.1). */
export const CHECK_TOPICS: Readonly<Record<string, string>> = {
  firmware: 'firmware against known vulnerabilities',
  settings: 'configuration (needs a login)',
  C01: 'default or risky password',
  C02: 'activation',
  C03: 'user accounts and their levels',
  C04: 'web access: plain HTTP and HTTPS',
  C06: 'web authentication (Basic or digest)',
  C07: 'video stream (RTSP) authentication',
  C08: 'UPnP',
  'C08-ports': 'router port mappings by UPnP',
  C09: 'Hik-Connect (EZVIZ) cloud access',
  C10: 'dynamic DNS',
  'C11-ssh': 'SSH',
  'C11-telnet': 'telnet',
  C12: 'ONVIF',
  'C12-users': 'ONVIF users and their rights',
  C13: 'illegal-login lock',
  C14: 'IP and MAC address filters',
  C15: 'SNMP v1/v2c',
  C16: 'time synchronisation',
  C17: 'password-recovery e-mail',
  C18: 'SDK security mode',
  C19: 'SADP switch and the recorder’s camera passwords',
};

export interface CheckRun {
  /** `C04`, `C08-ports`, `firmware`… (docs/protocol/audit.md §3). */
  check: string;
  status: CheckStatus;
  /** Why it was not checked or failed to run, in words; null on pass/fail. */
  reason: string | null;
}

export interface AuditReport {
  serial: string;
  model: string | null;
  firmware: string | null;
  /** `isapi`: logged in with the vault's password; `sadp`: SADP's answer alone, no login. */
  source: 'isapi' | 'sadp';
  auditedAt: string;
  findings: Finding[];
  checks: CheckRun[];
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Worst first, then by id, so reports and tables read the same every time. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id),
  );
}

/** The worst severity among `findings`, or null when there are none. */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity | null {
  let worst: Severity | null = null;
  for (const { severity } of findings) {
    if (worst === null || severityRank(severity) < severityRank(worst)) worst = severity;
  }
  return worst;
}

/** `{ critical: 1, high: 0, … }` for summaries (Home Assistant attributes, MQTT, the CLI). */
export function countBySeverity(findings: readonly Pick<Finding, 'severity'>[]): Record<Severity, number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const { severity } of findings) counts[severity] += 1;
  return counts;
}
