/**
 * Atomic, durable replacement of the vault file, keeping the previous good copy beside it.
 *
 * One write: (1) the last good bytes go to `<file>.bak` and (2) the new bytes to `<file>`, each
 * as temp file in the same directory (mode 0600) → fsync → rename over → fsync the directory.
 * A rename is the only thing that ever changes `<file>` or `<file>.bak`, so a crash or a full disk
 * leaves each either old or new, never partial, and `.bak` is only ever written from bytes that
 * were verified (decrypted) or written by us, never copied from a file that may be damaged.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VaultWriteError } from '../errors';

/**
 * The file operations a write is made of. Injectable so tests can fail any step for real (e.g.
 * ENOSPC after writing half a temp file); the default is `nodeVaultFileSystem`.
 */
export interface VaultFileSystem {
  /** Creates `path` exclusively with `mode`, writes all of `data`, fsyncs and closes it. */
  writeNewFile(path: string, data: Buffer, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsyncs a directory so renames in it survive a power loss. */
  syncDir(dir: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
}

export const nodeVaultFileSystem: VaultFileSystem = {
  async writeNewFile(path, data, mode) {
    const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
    try {
      // The umask may have narrowed the mode; it can never have widened it, but be explicit.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename,
  async syncDir(dir) {
    const handle = await open(dir, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  readFile: (path) => readFile(path),
};

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Names of the steps a write goes through, as reported in VaultWriteError.step. */
export type WriteStep = `${'backup' | 'main'}:${'write' | 'rename' | 'sync-dir'}`;

export class VaultFileStore {
  readonly backupFile: string;
  /** The bytes of the newest version known to be whole and decryptable; null for a new vault. */
  private lastGood: Buffer | null = null;

  constructor(
    readonly file: string,
    private readonly fs: VaultFileSystem = nodeVaultFileSystem,
  ) {
    this.backupFile = `${file}.bak`;
  }

  /** The file's bytes, or null when it does not exist. */
  async read(path: string): Promise<Buffer | null> {
    try {
      return await this.fs.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Records that `bytes` (just read and verified) are what `file` holds. */
  adopt(bytes: Buffer): void {
    this.lastGood = bytes;
  }

  /**
   * Replaces the vault with `bytes`, first making `.bak` the last good version. Resolves only
   * once both are durable; on failure throws VaultWriteError and `file` still holds its old bytes
   * (unless only the final directory sync failed, after the rename).
   */
  async write(bytes: Buffer): Promise<void> {
    if (this.lastGood) await this.replace(this.backupFile, this.lastGood, 'backup');
    await this.replace(this.file, bytes, 'main');
    this.lastGood = bytes;
  }

  /** Restores the main file from the backup's bytes after damage was found (no backup step). */
  async restore(bytes: Buffer): Promise<void> {
    await this.replace(this.file, bytes, 'main');
    this.lastGood = bytes;
  }

  /** Moves a damaged main file aside, so it is kept for inspection; returns its new name. */
  async setAside(now: Date): Promise<string> {
    const aside = `${this.file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
    await this.step('main:rename', () => this.fs.rename(this.file, aside));
    return aside;
  }

  /** Deletes temp files a crashed writer left (only called while holding the vault lock). */
  async removeStaleTemps(): Promise<void> {
    const dir = dirname(this.file);
    const prefixes = [`${basename(this.file)}.tmp-`, `${basename(this.backupFile)}.tmp-`];
    for (const name of await readdir(dir)) {
      if (prefixes.some((p) => name.startsWith(p))) await unlinkIfPresent(join(dir, name));
    }
  }

  private async replace(target: string, bytes: Buffer, kind: 'backup' | 'main'): Promise<void> {
    const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await this.step(`${kind}:write`, () => this.fs.writeNewFile(temp, bytes, FILE_MODE));
      await this.step(`${kind}:rename`, () => this.fs.rename(temp, target));
    } catch (err) {
      await unlinkIfPresent(temp);
      throw err;
    }
    await this.step(`${kind}:sync-dir`, () => this.fs.syncDir(dirname(target)));
  }

  private async step(step: WriteStep, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new VaultWriteError(this.file, step, typeof code === 'string' ? code : null, { cause: err });
    }
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    // Best effort, and it must not hide the error that made us clean up: ENOENT means it is gone
    // already; a temp file that cannot be removed now is removed by the next open.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
  }
}
