/**
 * The last audit report of each device, kept on disk next to the vault (`findings.json`) so the
 * sidebar, Home Assistant and the "new critical finding" alert survive a restart: a critical
 * finding already reported is not reported again after a redeploy. Reports hold no secret (the
 * audit never copies one), only ids, severities, evidence and fixes.
 *
 * Kept in a StateFile (whole-file atomic writes, one at a time); a failed write keeps the memory in
 * this process and is reported (at worst one repeated alert after a restart).
 */
import { StateFile } from '../state-file';
import { SEVERITIES, type AuditReport } from './finding';

const FORMAT = 1;

export class FindingsStore {
  private constructor(
    private readonly file: StateFile,
    private readonly reports: Map<string, AuditReport>,
  ) {}

  static inMemory(): FindingsStore {
    return new FindingsStore(new StateFile(null, () => undefined), new Map());
  }

  /** The store in `file`; a missing or unreadable file starts empty. */
  static async open(file: string, onWriteError: (err: Error) => void): Promise<FindingsStore> {
    const stateFile = new StateFile(file, onWriteError);
    const text = await stateFile.read();
    return new FindingsStore(stateFile, text === null ? new Map<string, AuditReport>() : parse(text));
  }

  get(serial: string): AuditReport | null {
    return this.reports.get(serial) ?? null;
  }

  set(report: AuditReport): void {
    this.reports.set(report.serial, report);
    this.save();
  }

  async flushed(): Promise<void> {
    await this.file.flushed();
  }

  private save(): void {
    this.file.write({ format: FORMAT, reports: [...this.reports.values()] });
  }
}

/** Leniently: a report not shaped as expected is left out. */
function parse(text: string): Map<string, AuditReport> {
  const reports = new Map<string, AuditReport>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return reports;
  }
  const stored = (data as { reports?: unknown } | null)?.reports;
  if (!Array.isArray(stored)) return reports;
  for (const item of stored as unknown[]) {
    const report = item as Partial<AuditReport> | null;
    if (
      typeof report?.serial === 'string' &&
      Array.isArray(report.findings) &&
      report.findings.every((f) =>
        (SEVERITIES as readonly unknown[]).includes((f as { severity?: unknown }).severity),
      )
    )
      reports.set(report.serial, report as AuditReport);
  }
  return reports;
}
