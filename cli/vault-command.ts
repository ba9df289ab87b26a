/**
 * `hik-guard vault list|show|export`: getting passwords back out of the vault, so the owner is
 * never locked out of a device. The vault is opened read-only (no lock, nothing written), so
 * these work while Node-RED or a rotation holds the vault.
 */
import { parseArgs } from 'node:util';
import { HikError, VaultCorruptError, WrongVaultKeyError } from '../lib/errors';
import { CredentialVault, type VaultRecord } from '../lib/vault/credential-vault';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import { exportCsv, exportJson, recordUrl, writeExportFile, type ExportFormat } from './vault-export';
import type { CommandHelp } from './command-help';
import { readVaultKey, VAULT_KEY_OPTIONS } from './vault-key';

export const VAULT_HELP: CommandHelp = {
  name: 'vault',
  forms: [
    'vault list --vault FILE [--vault-key-file FILE] [--json]',
    'vault show SERIAL --vault FILE [--vault-key-file FILE] [--json]',
    'vault export --vault FILE [--vault-key-file FILE] --format csv|json --out FILE [--force]',
  ],
  short: 'vault list|show SERIAL|export --vault FILE [options]',
  about: `Reads the credential vault (read-only: works while Node-RED is running).`,
  commands: [
    ['list', 'every device, without passwords'],
    ['show SERIAL', 'one device with its current, pending and previous passwords'],
    [
      'export',
      'all devices with passwords, for a password manager; the file is written with mode 0600 and never overwritten unless --force',
    ],
  ],
  options: [
    ...VAULT_KEY_OPTIONS,
    ['--json', 'one JSON value on stdout'],
    ['--format csv|json', 'csv columns: name,url,username,password,notes'],
    ['--out FILE', 'where to write the export'],
    ['--force', 'replace an existing --out file'],
  ],
  exitCodes: [
    [EXIT.ok, 'ok'],
    [EXIT.failure, 'other failure (no such device, --out exists, no vault file)'],
    [EXIT.usage, 'usage error'],
    [EXIT.vaultUnusable, 'the key does not open the vault, or the vault and its backup are damaged'],
  ],
};

type Subcommand = 'list' | 'show' | 'export';

interface VaultOptions {
  subcommand: Subcommand;
  serial: string | undefined;
  vault: string;
  keyFile: string | undefined;
  json: boolean;
  format: ExportFormat | undefined;
  out: string | undefined;
  force: boolean;
}

export async function runVaultCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseVaultOptions(argv);
  const key = await readVaultKey(io, options.keyFile);
  let vault: CredentialVault;
  try {
    vault = await CredentialVault.open(options.vault, key, { readOnly: true });
  } catch (err) {
    return reportFailure(io, err);
  }
  if (vault.recovery) {
    writeLine(
      io.stderr,
      `hik-guard vault: warning: ${vault.recovery.file} is damaged (${vault.recovery.detail}); read from ${vault.recovery.from}. ` +
        'Opening the vault for writing (Node-RED, rotate) restores it.',
    );
  }
  try {
    switch (options.subcommand) {
      case 'list':
        return list(io, vault.list(), options.json);
      case 'show':
        return show(io, vault, options.serial ?? '', options.json);
      case 'export':
        return await exportVault(io, vault.list(), options);
    }
  } finally {
    await vault.close();
  }
}

function parseVaultOptions(argv: string[]): VaultOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        vault: { type: 'string' },
        'vault-key-file': { type: 'string' },
        'vault-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        format: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values['vault-key'] !== undefined) {
    throw new UsageError('--vault-key is not accepted: use --vault-key-file FILE or env HIK_GUARD_VAULT_KEY');
  }
  const [subcommand, serial, ...extra] = positionals;
  if (subcommand !== 'list' && subcommand !== 'show' && subcommand !== 'export') {
    throw new UsageError(
      subcommand === undefined ? 'which one: list, show or export?' : `unknown subcommand '${subcommand}'`,
    );
  }
  if (subcommand === 'show' ? serial === undefined || extra.length > 0 : serial !== undefined) {
    throw new UsageError(
      subcommand === 'show' ? 'show takes exactly one SERIAL' : `unexpected argument '${serial ?? ''}'`,
    );
  }
  if (!values.vault) throw new UsageError('--vault FILE is required');
  const format = values.format;
  if (subcommand === 'export') {
    if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
    if (!values.out) throw new UsageError('--out FILE is required');
  } else if (format !== undefined || values.out !== undefined || values.force) {
    throw new UsageError('--format, --out and --force only apply to export');
  }
  return {
    subcommand,
    serial,
    vault: values.vault,
    keyFile: values['vault-key-file'],
    json: values.json,
    format,
    out: values.out,
    force: values.force,
  };
}

function list(io: CliIo, records: VaultRecord[], json: boolean): number {
  if (json) {
    const summary = records.map((r) => ({
      serial: r.serial,
      username: r.username,
      state: r.state,
      attentionReason: r.attentionReason,
      pending: r.pending !== null,
      previous: r.previous.map((p) => ({ until: p.until })),
      lastRotation: r.lastRotation,
      lastVerification: r.lastVerification,
      url: recordUrl(r) || null,
    }));
    writeLine(io.stdout, JSON.stringify(summary));
    return EXIT.ok;
  }
  if (records.length === 0) {
    writeLine(io.stdout, 'The vault holds no devices.');
    return EXIT.ok;
  }
  const header = ['SERIAL', 'USER', 'STATE', 'LAST ROTATION', 'ADDRESS'];
  const rows = [header];
  for (const r of records) {
    const state = r.state === 'needs_attention' ? `needs_attention (${r.attentionReason ?? ''})` : r.state;
    rows.push([r.serial, r.username, state, r.lastRotation ?? 'never', recordUrl(r) || '-']);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of rows)
    writeLine(
      io.stdout,
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  return EXIT.ok;
}

function show(io: CliIo, vault: CredentialVault, serial: string, json: boolean): number {
  const r = vault.get(serial);
  if (!r) {
    writeLine(io.stderr, `hik-guard vault: the vault holds no device ${serial}`);
    return EXIT.failure;
  }
  if (json) {
    const { username, password, previous, state, lastRotation, pending } = r;
    writeLine(
      io.stdout,
      JSON.stringify({ serial, username, password, previous, state, lastRotation, pending }),
    );
    return EXIT.ok;
  }
  writeLine(
    io.stderr,
    'hik-guard vault: warning: passwords are shown on screen; clear the terminal and its scrollback afterwards.',
  );
  const rows: [string, string][] = [
    ['Serial', r.serial],
    ['Address', recordUrl(r) || 'unknown'],
    ['User', r.username],
    ['Password', r.password],
  ];
  if (r.pending) {
    rows.push([
      'Pending',
      `${r.pending.password} (change started ${r.pending.since}; the device has this or the password above)`,
    ]);
  }
  rows.push([
    'State',
    r.state === 'needs_attention' ? `needs_attention: ${r.attentionReason ?? ''}` : r.state,
  ]);
  rows.push(['Last rotation', r.lastRotation ?? 'never']);
  r.previous.forEach((p, i) => rows.push([i === 0 ? 'Previous' : '', `${p.password} (until ${p.until})`]));
  for (const [label, value] of rows) writeLine(io.stdout, `${label.padEnd(14)} ${value}`);
  return EXIT.ok;
}

async function exportVault(io: CliIo, records: VaultRecord[], options: VaultOptions): Promise<number> {
  const out = options.out ?? '';
  const content = options.format === 'json' ? exportJson(records, new Date()) : exportCsv(records);
  try {
    await writeExportFile(out, content, options.force);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'it exists; pass --force to replace it' : (code ?? 'write failed');
    writeLine(io.stderr, `hik-guard vault: cannot write ${out}: ${why}`);
    return EXIT.failure;
  }
  writeLine(
    io.stdout,
    `Exported ${records.length} device(s) to ${out} (mode 0600). It holds passwords in clear: import it, then delete it.`,
  );
  return EXIT.ok;
}

function reportFailure(io: CliIo, err: unknown): number {
  if (err instanceof WrongVaultKeyError || err instanceof VaultCorruptError) {
    writeLine(io.stderr, `hik-guard vault: ${err.message}`);
    return EXIT.vaultUnusable;
  }
  if (HikError.isHikError(err)) {
    writeLine(io.stderr, `hik-guard vault: ${err.message}`);
    return EXIT.failure;
  }
  throw err;
}
