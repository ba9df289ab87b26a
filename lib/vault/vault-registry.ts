/**
 * One open CredentialVault per file per process, shared by every node and the CLI: the vault's
 * write queue and lock only protect what goes through the same instance. A failed open is not
 * remembered, so the next caller tries again (e.g. after the key was fixed).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { WrongVaultKeyError } from '../errors';
import { CredentialVault, type VaultOpenOptions } from './credential-vault';

interface Entry {
  vault: Promise<CredentialVault>;
  /** Tells whether a later caller brings the same secret, without keeping a plain hash of it. */
  secretTag: Buffer;
}

export class VaultRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly tagKey = randomBytes(32);

  /**
   * The open vault for `file`, opening it on first use. A caller with a different secret for an
   * already open file gets WrongVaultKeyError (the file is not touched).
   */
  async open(
    file: string,
    secret: string,
    options: Omit<VaultOpenOptions, 'readOnly'> = {},
  ): Promise<CredentialVault> {
    const path = resolve(file);
    const secretTag = createHmac('sha256', this.tagKey).update(secret, 'utf8').digest();
    const entry = this.entries.get(path);
    if (entry) {
      if (!timingSafeEqual(entry.secretTag, secretTag)) throw new WrongVaultKeyError(path);
      const vault = await entry.vault;
      if (!vault.isClosed) return vault;
      if (this.entries.get(path) === entry) this.entries.delete(path);
      return this.open(file, secret, options);
    }
    const vault = CredentialVault.open(path, secret, options);
    this.entries.set(path, { vault, secretTag });
    try {
      return await vault;
    } catch (err) {
      this.entries.delete(path);
      throw err;
    }
  }

  /** Closes the vault for `file` (waiting for its writes) and forgets it. */
  async close(file: string): Promise<void> {
    const path = resolve(file);
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    const vault = await entry.vault.catch(() => null); // a failed open has nothing to close
    await vault?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((path) => this.close(path)));
  }
}
