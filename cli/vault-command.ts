/**
 * `hik-guard vault list|show|export|repin`: getting passwords back out of the vault, so the owner
 * is never locked out of a device, and trusting a device's new TLS certificate. list, show and
 * export open the vault read-only (no lock, nothing written), so they work while Node-RED or a
 * rotation holds the vault; repin writes the pin, so it needs the vault to itself (Node-RED has its
 * own ways: the sidebar and the hik-credentials node's `repin` input).
 */
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  CertificateNotConfirmedError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  VaultLockedError,
  VaultNotFoundError,
} from '../lib/errors';
import { checkFingerprint, repinCertificate, type RepinOutcome } from '../lib/rotation/repin-certificate';
import { CredentialVault, type VaultRecord } from '../lib/vault/credential-vault';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import { askLine } from './read-password';
import { portOption, secondsOption } from './rotate-command';
import { describeFailure, errorJson, VAULT_UNUSABLE_TEXT, vaultExitCode } from './rotation-exit';
import { exportCsv, exportJson, recordUrl, writeExportFile, type ExportFormat } from './vault-export';
import type { CommandHelp } from './command-help';
import { readVaultKey, VAULT_KEY_OPTIONS } from './vault-key';

export const VAULT_HELP: CommandHelp = {
  name: 'vault',
  forms: [
    'vault list --vault FILE [--vault-key-file FILE] [--json]',
    'vault show SERIAL --vault FILE [--vault-key-file FILE] [--json]',
    'vault export --vault FILE [--vault-key-file FILE] --format csv|json --out FILE [--force]',
    'vault repin SERIAL --vault FILE [--vault-key-file FILE] [--host HOST [--port N]] [--fingerprint SHA256] [--timeout SECONDS] [--json]',
  ],
  short: 'vault list|show SERIAL|export|repin SERIAL --vault FILE [options]',
  about: `Reads the credential vault (list, show and export are read-only: they work while Node-RED is
    running), and re-pins a device's TLS certificate.

    repin connects to the device (a TLS handshake only: no request, no password), shows the pinned and
    the presented SHA-256 fingerprints, and pins the presented one only when you confirm it: with
    --fingerprint (it must be the one the device presents now) or by typing yes at the prompt. Trust a
    new certificate only if you replaced it or the device yourself (compare it with the device's web
    page); otherwise something may be impersonating the device. repin writes the vault, so it cannot run
    while Node-RED holds it: there, use the sidebar's "Trust the new certificate" or the hik-credentials
    node's repin input.`,
  commands: [
    ['list', 'every device, without passwords, with its TLS pin'],
    ['show SERIAL', 'one device with its current, pending and previous passwords and its TLS pin'],
    [
      'export',
      'all devices with passwords, for a password manager; the file is written with mode 0600 and never overwritten unless --force',
    ],
    ['repin SERIAL', "trust the device's new TLS certificate, after showing both fingerprints"],
  ],
  options: [
    ...VAULT_KEY_OPTIONS,
    ['--json', 'one JSON value on stdout'],
    ['--format csv|json', 'csv columns: name,url,username,password,notes'],
    ['--out FILE', 'where to write the export'],
    ['--force', 'replace an existing --out file'],
    ['--host HOST', "repin: the device's address (default: the one in the vault)"],
    ['--port N', 'repin: its HTTPS port, default 443 (with --host)'],
    ['--fingerprint SHA256', 'repin: the new fingerprint you confirm (else you are asked to type yes)'],
    ['--timeout SECONDS', 'repin: for the TLS handshake, default 5'],
  ],
  exitCodes: [
    [EXIT.ok, 'ok (repin: pinned, or the device presents the pinned certificate)'],
    [EXIT.failure, 'other failure (no such device, --out exists, no vault file, plain HTTP device)'],
    [EXIT.usage, 'usage error'],
    [EXIT.unreachable, 'repin: no TLS handshake with the device (unreachable or timeout)'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
    [
      EXIT.certificateChanged,
      'repin: not re-pinned (not confirmed, or the device presents another fingerprint than --fingerprint)',
    ],
  ],
};

type Subcommand = 'list' | 'show' | 'export' | 'repin';

interface VaultOptions {
  subcommand: Subcommand;
  serial: string | undefined;
  vault: string;
  keyFile: string | undefined;
  json: boolean;
  format: ExportFormat | undefined;
  out: string | undefined;
  force: boolean;
  host: string | undefined;
  port: number | undefined;
  fingerprint: string | undefined;
  timeoutMs: number;
}

export async function runVaultCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseVaultOptions(argv);
  const key = await readVaultKey(io, options.keyFile);
  const readOnly = options.subcommand !== 'repin';
  let vault: CredentialVault;
  try {
    // A writable open creates a missing vault: repin must not leave an empty one behind.
    if (!readOnly)
      await access(options.vault).catch(() => Promise.reject(new VaultNotFoundError(options.vault)));
    vault = await CredentialVault.open(options.vault, key, { readOnly });
  } catch (err) {
    return reportFailure(io, err, options.json && !readOnly);
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
      case 'repin':
        return await repin(io, vault, options);
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
        host: { type: 'string' },
        port: { type: 'string' },
        fingerprint: { type: 'string' },
        timeout: { type: 'string', default: '5' },
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
  if (subcommand !== 'list' && subcommand !== 'show' && subcommand !== 'export' && subcommand !== 'repin') {
    throw new UsageError(
      subcommand === undefined
        ? 'which one: list, show, export or repin?'
        : `unknown subcommand '${subcommand}'`,
    );
  }
  const takesSerial = subcommand === 'show' || subcommand === 'repin';
  if (takesSerial ? serial === undefined || extra.length > 0 : serial !== undefined) {
    throw new UsageError(
      takesSerial ? `${subcommand} takes exactly one SERIAL` : `unexpected argument '${serial ?? ''}'`,
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
  const repinOnly = [values.host, values.port, values.fingerprint].some((v) => v !== undefined);
  if (subcommand !== 'repin' && repinOnly) {
    throw new UsageError('--host, --port and --fingerprint only apply to repin');
  }
  if (values.port !== undefined && values.host === undefined) throw new UsageError('--port goes with --host');
  if (values.fingerprint !== undefined) {
    try {
      checkFingerprint(values.fingerprint);
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
      throw new UsageError(`--fingerprint: ${err.message}`);
    }
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
    host: values.host,
    port: values.host === undefined ? undefined : portOption(values.port, true),
    fingerprint: values.fingerprint,
    timeoutMs: secondsOption('--timeout', values.timeout, 0.1, 60),
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
      tlsPin: r.tlsPin,
    }));
    writeLine(io.stdout, JSON.stringify(summary));
    return EXIT.ok;
  }
  if (records.length === 0) {
    writeLine(io.stdout, 'The vault holds no devices.');
    return EXIT.ok;
  }
  const header = ['SERIAL', 'USER', 'STATE', 'LAST ROTATION', 'ADDRESS', 'TLS PIN (SHA-256)'];
  const rows = [header];
  for (const r of records) {
    const state = r.state === 'needs_attention' ? `needs_attention (${r.attentionReason ?? ''})` : r.state;
    rows.push([r.serial, r.username, state, r.lastRotation ?? 'never', recordUrl(r) || '-', r.tlsPin ?? '-']);
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
    const { username, password, previous, state, lastRotation, pending, tlsPin, accounts } = r;
    writeLine(
      io.stdout,
      JSON.stringify({
        serial,
        username,
        password,
        previous,
        state,
        lastRotation,
        pending,
        tlsPin,
        accounts,
      }),
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
  rows.push([
    'TLS pin',
    r.tlsPin ?? (r.protocol === 'http' ? 'none (plain HTTP)' : 'none yet (pinned on first use)'),
  ]);
  r.previous.forEach((p, i) => rows.push([i === 0 ? 'Previous' : '', `${p.password} (until ${p.until})`]));
  for (const [name, account] of Object.entries(r.accounts)) {
    const current = account.password ?? '(not confirmed yet)';
    rows.push([`Account ${name}`, `${account.username} / ${current}`]);
    if (account.pending)
      rows.push(['', `pending ${account.pending.password} (since ${account.pending.since})`]);
  }
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
    `Exported ${records.length === 1 ? '1 device' : `${records.length} devices`} to ${out} (mode 0600). It holds passwords in clear: import it, then delete it.`,
  );
  return EXIT.ok;
}

/**
 * `vault repin`: shows the pinned and the presented fingerprints, then pins the presented one
 * only on an explicit confirmation (--fingerprint, or "yes" typed at a terminal).
 */
async function repin(io: CliIo, vault: CredentialVault, options: VaultOptions): Promise<number> {
  const request = {
    vault,
    serial: options.serial ?? '',
    address:
      options.host === undefined
        ? undefined
        : { host: options.host, port: options.port, protocol: 'https' as const },
    timeoutMs: options.timeoutMs,
  };
  let outcome: RepinOutcome;
  try {
    outcome = await repinCertificate({ ...request, confirm: options.fingerprint });
    if (outcome.result === 'confirmation_needed') {
      if (!options.json) printFingerprints(io, outcome);
      const confirmed = await askToTrust(io, outcome);
      if (!confirmed) return notRepinned(io, options.json, outcome);
      outcome = await repinCertificate({ ...request, confirm: outcome.presented });
    }
  } catch (err) {
    return reportFailure(io, err, options.json);
  }
  const { serial, host, port, pinned, presented, result } = outcome;
  if (options.json) writeLine(io.stdout, JSON.stringify({ serial, host, port, pinned, presented, result }));
  else {
    if (options.fingerprint !== undefined || result === 'unchanged') printFingerprints(io, outcome);
    writeLine(
      io.stdout,
      result === 'unchanged'
        ? 'The device presents the pinned certificate: nothing to change.'
        : `Pinned the new certificate of ${serial}.`,
    );
  }
  return EXIT.ok;
}

function printFingerprints(io: CliIo, outcome: RepinOutcome): void {
  writeLine(io.stdout, `Serial     ${outcome.serial}`);
  writeLine(io.stdout, `Address    https://${outcome.host}:${outcome.port}`);
  writeLine(io.stdout, `Pinned     ${outcome.pinned ?? 'none'}`);
  writeLine(io.stdout, `Presented  ${outcome.presented}`);
}

/** "yes" typed at a terminal; never assumed when nobody can answer. */
async function askToTrust(io: CliIo, outcome: RepinOutcome): Promise<boolean> {
  if (!io.stdin.isTTY) return false;
  writeLine(
    io.stderr,
    `The device at ${outcome.host} presents another certificate than the one pinned. Trust it only if you ` +
      'replaced the certificate or the device yourself (compare the fingerprint with the device).',
  );
  const answer = await askLine(io, 'Type yes to pin the presented certificate: ');
  return answer.trim().toLowerCase() === 'yes';
}

function notRepinned(io: CliIo, json: boolean, outcome: RepinOutcome): number {
  const { serial, host, port, pinned, presented } = outcome;
  if (json) {
    writeLine(io.stdout, JSON.stringify({ serial, host, port, pinned, presented, result: 'not_confirmed' }));
  }
  writeLine(
    io.stderr,
    `hik-guard vault: not re-pinned. After checking the fingerprint on the device, confirm it: ` +
      `hik-guard vault repin ${serial} --fingerprint ${presented} (or run in a terminal and type yes)`,
  );
  return EXIT.certificateChanged;
}

function reportFailure(io: CliIo, err: unknown, json = false): number {
  if (!HikError.isHikError(err)) throw err;
  if (json) writeLine(io.stdout, JSON.stringify({ error: errorJson(err) }));
  writeLine(io.stderr, `hik-guard vault: ${describeFailure(err)}`);
  if (err instanceof VaultLockedError) {
    writeLine(
      io.stderr,
      "hik-guard vault: while Node-RED holds the vault, re-pin from the sidebar (Trust the new certificate) or with the hik-credentials node's repin input.",
    );
  }
  if (err instanceof DeviceUnreachableError || err instanceof DeviceTimeoutError) return EXIT.unreachable;
  if (err instanceof CertificateNotConfirmedError) return EXIT.certificateChanged;
  return vaultExitCode(err) ?? EXIT.failure;
}
