/**
 * `hik-guard vault export` formats and the one careful way to write them: passwords in clear, so
 * the file is created with mode 0600 and an existing file is only replaced when asked (`force`),
 * atomically, so it never keeps a wider mode or a half-written body.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import type { VaultRecord } from '../lib/vault/credential-vault';

export type ExportFormat = 'csv' | 'json';

/** protocol://host:port, or '' while the address is unknown. */
export function recordUrl(record: VaultRecord): string {
  if (record.host === null) return '';
  const host = record.host.includes(':') ? `[${record.host}]` : record.host;
  const protocol = record.protocol ?? 'https';
  const port = record.port ?? (protocol === 'https' ? 443 : 80);
  return `${protocol}://${host}:${port}`;
}

/**
 * The columns password managers import (Bitwarden, 1Password, KeePassXC, Chrome): one row per
 * device with its current password, plus one for a pending password (a change was interrupted,
 * so the device has one or the other), and one per named account (the streaming account).
 */
export function exportCsv(records: readonly VaultRecord[]): string {
  const rows = [['name', 'url', 'username', 'password', 'notes']];
  for (const r of records) {
    const url = recordUrl(r);
    const about = `Hikvision device ${r.serial}; state ${r.state}; last rotation ${r.lastRotation ?? 'never'}`;
    rows.push([`Hikvision ${r.serial}`, url, r.username, r.password, `${about}; exported by hik-guard`]);
    if (r.pending) {
      const note = `password change started ${r.pending.since} and not confirmed: the device has this password or the one in "Hikvision ${r.serial}"`;
      rows.push([`Hikvision ${r.serial} (pending change)`, url, r.username, r.pending.password, note]);
    }
    for (const [name, account] of Object.entries(r.accounts)) {
      const label = `Hikvision ${r.serial} (${name} account)`;
      if (account.password !== null) {
        rows.push([label, url, account.username, account.password, `${name} account; exported by hik-guard`]);
      }
      if (account.pending) {
        const note = `${name} account change started ${account.pending.since} and not confirmed`;
        rows.push([`${label} (pending change)`, url, account.username, account.pending.password, note]);
      }
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** RFC 4180: quote fields holding a comma, quote or line break; double the quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function exportJson(records: readonly VaultRecord[], exportedAt: Date): string {
  const devices = records.map((r) => ({
    serial: r.serial,
    url: recordUrl(r) || null,
    username: r.username,
    password: r.password,
    pending: r.pending,
    previous: r.previous,
    state: r.state,
    attentionReason: r.attentionReason,
    lastRotation: r.lastRotation,
    lastVerification: r.lastVerification,
    host: r.host,
    port: r.port,
    protocol: r.protocol,
    tlsPin: r.tlsPin,
    accounts: r.accounts,
  }));
  const body = {
    format: 'hik-guard-vault-export',
    version: 1,
    exportedAt: exportedAt.toISOString(),
    devices,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Writes `content` to `path` with mode 0600. Without `force` an existing file makes this throw
 * (code EEXIST) and stays untouched; with it, the file is replaced by a rename.
 */
export async function writeExportFile(path: string, content: string, force: boolean): Promise<void> {
  const target = force ? `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}` : path;
  const handle = await open(target, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (force) await rename(target, path);
  } catch (err) {
    // Remove the partial file; if even that fails, the write's own error is the one to report.
    await unlink(target).catch(() => undefined);
    throw err;
  }
}
