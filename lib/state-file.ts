/**
 * A small JSON file of state kept next to the vault (the alert memory, the audit findings): read
 * once at start, then written whole, atomically (temporary file, fsync, rename) and one write after
 * the other, so a crash leaves the previous content or the new one, never half of either. A failed
 * read or write goes to the owner's callback and the state stays in the process: such files hold no
 * secret, and losing one costs at most a repeated notification.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export class StateFile {
  private writing: Promise<void> = Promise.resolve();

  /** `file` null keeps the state in this process only (the CLI without a vault, tests). */
  constructor(
    private readonly file: string | null,
    private readonly onError: (err: Error) => void,
  ) {}

  /** The file's text; null when there is no file yet, or it cannot be read (reported). */
  async read(): Promise<string | null> {
    if (this.file === null) return null;
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err as Error);
      return null;
    }
  }

  /** Queues a whole-file write of `value` as JSON, after any write still under way. */
  write(value: unknown): void {
    const file = this.file;
    if (file === null) return;
    const text = JSON.stringify(value);
    this.writing = this.writing
      .then(() => writeAtomically(file, text))
      .catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  /** Resolves once every write queued so far has ended. */
  async flushed(): Promise<void> {
    await this.writing;
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
