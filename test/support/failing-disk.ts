/**
 * The real file system under the vault, except that one chosen write fails with ENOSPC at one of
 * its six steps: a full disk during a vault write. The partial temp file a full disk leaves is
 * written too, so the vault's own clean-up is exercised.
 */
import { writeFile } from 'node:fs/promises';
import { nodeVaultFileSystem, type VaultFileSystem } from '../../lib/vault/vault-file';

/** The steps of one vault write, in order (the names VaultWriteError reports). */
export const VAULT_WRITE_STEPS = [
  'backup:write',
  'backup:rename',
  'backup:sync-dir',
  'main:write',
  'main:rename',
  'main:sync-dir',
] as const;

export type VaultWriteStep = (typeof VAULT_WRITE_STEPS)[number];

export class FailingDisk implements VaultFileSystem {
  private countdown: number | null = null;
  /** Operations that failed since the last arm(). */
  failures = 0;
  /** Every file system operation, in order (`writeNewFile`, `rename`, `syncDir`). */
  readonly calls: string[] = [];

  /** The `write`-th vault write from now (0 = the next) fails at `step`; only that once. */
  arm(write: number, step: VaultWriteStep): void {
    this.countdown = write * VAULT_WRITE_STEPS.length + VAULT_WRITE_STEPS.indexOf(step);
    this.failures = 0;
  }

  disarm(): void {
    this.countdown = null;
  }

  private fails(operation: string): boolean {
    this.calls.push(operation);
    if (this.countdown === null) return false;
    if (this.countdown-- > 0) return false;
    this.countdown = null;
    this.failures += 1;
    return true;
  }

  async writeNewFile(path: string, data: Buffer, mode: number): Promise<void> {
    if (this.fails('writeNewFile')) {
      await writeFile(path, data.subarray(0, data.length >> 1), { mode, flag: 'wx' });
      throw enospc();
    }
    await nodeVaultFileSystem.writeNewFile(path, data, mode);
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.fails('rename')) throw enospc();
    await nodeVaultFileSystem.rename(from, to);
  }

  async syncDir(dir: string): Promise<void> {
    if (this.fails('syncDir')) throw enospc();
    await nodeVaultFileSystem.syncDir(dir);
  }

  readFile(path: string): Promise<Buffer> {
    return nodeVaultFileSystem.readFile(path);
  }
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}
