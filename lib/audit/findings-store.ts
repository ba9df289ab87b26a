/**
 * The last audit report of each device, kept on disk next to the vault (`findings.json`) so the
 * sidebar, Home Assistant and the "new critical finding" alert survive a restart: a critical
 * finding already reported is not reported again after a redeploy. Reports hold no secret (the
 * audit never copies one), only ids, severities, evidence and fixes.
 *
 * Writes are whole-file, atomic (temporary file, fsync, rename), one at a time; a failed write keeps
 * the memory in this process and is reported (at worst one repeated alert after a restart).
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SEVERITIES, type AuditReport } from './finding';

const FORMAT = 1;

export class FindingsStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | null,
    private readonly reports: Map<string, AuditReport>,
    private readonly onWriteError: (err: Error) => void,
  ) {}

  static inMemory(): FindingsStore {
    return new FindingsStore(null, new Map(), () => undefined);
  }

  /** The store in `file`; a missing or unreadable file starts empty. */
  static async open(file: string, onWriteError: (err: Error) => void): Promise<FindingsStore> {
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onWriteError(err as Error);
    }
    return new FindingsStore(
      file,
      text === null ? new Map<string, AuditReport>() : parse(text),
      onWriteError,
    );
  }

  get(serial: string): AuditReport | null {
    return this.reports.get(serial) ?? null;
  }

  set(report: AuditReport): void {
    this.reports.set(report.serial, report);
    this.save();
  }

  async flushed(): Promise<void> {
    await this.writing;
  }

  private save(): void {
    const file = this.file;
    if (file === null) return;
    const text = JSON.stringify({ format: FORMAT, reports: [...this.reports.values()] });
    this.writing = this.writing
      .then(() => writeAtomically(file, text))
      .catch((err: unknown) => this.onWriteError(err instanceof Error ? err : new Error(String(err))));
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
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
