/**
 * `hik-guard audit`: the read-only security audit of one device, or of every device in a vault
 * (lib/audit). It logs in once per device (with the prompted password, or the vault's) and only
 * reads: no write, no exploit probe, never a second password. Exit 0 whenever the audit ran,
 * whatever it found; the findings are the output.
 */
import { auditDevice } from '../lib/audit/audit-device';
import { auditEnrolled } from '../lib/audit/audit-enrolled';
import { CHECK_TOPICS, countBySeverity, SEVERITIES, type AuditReport } from '../lib/audit/finding';
import { HikError, VaultNotFoundError } from '../lib/errors';
import { IsapiClient } from '../lib/isapi/isapi-client';
import { CredentialVault } from '../lib/vault/credential-vault';
import type { VaultRecord } from '../lib/vault/vault-record';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import type { CommandHelp } from './command-help';
import { readPassword } from './read-password';
import { DEVICE_EXIT_CODES, exitCodeFor, VAULT_UNUSABLE_TEXT } from './rotation-exit';
import { readVaultKey, VAULT_KEY_ENV } from './vault-key';

export const AUDIT_HELP: CommandHelp = {
  name: 'audit',
  forms: [
    'audit --host HOST [--port N] [--https [--fingerprint SHA256]] [--user NAME] [--password-env VAR | --vault FILE] [--json]',
    'audit --vault FILE [--json]',
  ],
  short: 'audit --host HOST [options] | audit --vault FILE',
  about: `Audits a device's security without changing anything: its firmware against published
    vulnerabilities (by model and build date) and its settings (HTTP/HTTPS, UPnP, Hik-Connect, SSH,
    ONVIF, accounts, login lock, …), read with GET requests only. It logs in once, never tries a
    second password and never sends an exploit probe; a setting the firmware does not have is "not
    checked", never a pass.

    With --vault the password, address and certificate pin come from the vault (read only, so it
    works while Node-RED holds it); --host (and --port) pick one of its devices, without --host
    every device in the vault is audited. The vault key
    comes from --vault-key-file or ${VAULT_KEY_ENV}.`,
  options: [
    ['--host HOST', 'device address'],
    ['--port N', 'default 443 with --https, else 80'],
    ['--https', 'use HTTPS'],
    ['--fingerprint SHA256', 'with --https: refuse the device unless its certificate has this fingerprint'],
    ['--user NAME', 'default admin'],
    ['--password-env VAR', 'read the password from environment variable VAR (else you are prompted)'],
    ['--vault FILE', "use the vault's password and pin (all its devices when --host is not given)"],
    ['--vault-key-file FILE', `read the vault key from FILE; else from env ${VAULT_KEY_ENV}`],
    ['--json', 'one JSON object per device on stdout: { serial, model, firmware, findings }'],
  ],
  exitCodes: [
    [EXIT.ok, 'the audit ran (whatever it found)'],
    [EXIT.failure, 'unexpected failure (please report it)'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
    [EXIT.needsAttention, 'the vault marks the device as needing attention: not audited'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

interface AuditOptions {
  host: string | undefined;
  port: number | undefined;
  https: boolean;
  fingerprint: string | undefined;
  user: string;
  passwordEnv: string | undefined;
  vault: string | undefined;
  vaultKeyFile: string | undefined;
  json: boolean;
}

export async function runAuditCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseAuditOptions(argv);
  if (options.vault === undefined) return auditOne(io, options);
  let vault: CredentialVault;
  try {
    vault = await openVault(io, options.vault, options.vaultKeyFile);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return fail(io, options.json, err, null);
  }
  try {
    const records = vault.list().filter((r) => matchesAddress(r, options));
    if (records.length === 0) {
      throw new UsageError(
        options.host ? `the vault has no device at ${options.host}` : 'the vault holds no device',
      );
    }
    let code: number = EXIT.ok;
    // The record's own address, protocol and pin: --host (and --port) only pick the record.
    for (const record of records) {
      try {
        print(io, options.json, await auditEnrolled(record, { guard: io.loginGuard }), null);
      } catch (err) {
        const failed = fail(io, options.json, err, record.serial);
        if (code === EXIT.ok) code = failed;
      }
    }
    return code;
  } finally {
    await vault.close();
  }
}

async function auditOne(io: CliIo, options: AuditOptions): Promise<number> {
  const host = options.host ?? '';
  const client = new IsapiClient({
    host,
    port: options.port,
    protocol: options.https ? 'https' : 'http',
    tlsPin: options.fingerprint ? { fingerprint: options.fingerprint } : {},
    guard: io.loginGuard,
  });
  try {
    const password = await readPassword(io, options.passwordEnv, `Password for ${options.user}@${host}: `);
    client.useCredential({ username: options.user, password });
    const report = await auditDevice(client, { username: options.user });
    print(io, options.json, report, `${client.protocol}://${client.host}:${client.port}`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return fail(io, options.json, err, null);
  } finally {
    await client.close();
  }
}

function parseAuditOptions(argv: string[]): AuditOptions {
  const values = parseCommandArgs(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    https: { type: 'boolean', default: false },
    fingerprint: { type: 'string' },
    user: { type: 'string', default: 'admin' },
    'password-env': { type: 'string' },
    password: { type: 'string' },
    vault: { type: 'string' },
    'vault-key-file': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.password !== undefined) {
    throw new UsageError('--password is not accepted: use --password-env VAR or the prompt');
  }
  if (!values.host && !values.vault) throw new UsageError('--host or --vault is required');
  if (values['password-env'] !== undefined && values.vault !== undefined) {
    throw new UsageError('--password-env and --vault exclude each other: the vault holds the password');
  }
  if (values.fingerprint !== undefined && !values.https) throw new UsageError('--fingerprint needs --https');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new UsageError('--port must be a number from 1 to 65535');
  }
  return {
    host: values.host,
    port,
    https: values.https,
    fingerprint: values.fingerprint,
    user: values.user,
    passwordEnv: values['password-env'],
    vault: values.vault,
    vaultKeyFile: values['vault-key-file'],
    json: values.json,
  };
}

/** Read only: no lock taken, so it works beside the Node-RED runtime that writes the vault. */
async function openVault(io: CliIo, file: string, keyFile: string | undefined): Promise<CredentialVault> {
  const secret = await readVaultKey(io, keyFile);
  try {
    return await CredentialVault.open(file, secret, { readOnly: true });
  } catch (err) {
    if (err instanceof VaultNotFoundError) throw new UsageError(err.message);
    throw err;
  }
}

function matchesAddress(record: VaultRecord, options: AuditOptions): boolean {
  if (!options.host) return true;
  return record.host === options.host && (options.port === undefined || record.port === options.port);
}

function print(io: CliIo, json: boolean, report: AuditReport, address: string | null): void {
  const { serial, model, firmware, findings } = report;
  if (json) {
    writeLine(io.stdout, JSON.stringify({ serial, model, firmware, findings }));
    return;
  }
  const counts = countBySeverity(findings);
  const rows: [string, string | null][] = [
    ['Device', address],
    ['Serial', serial],
    ['Model', model],
    ['Firmware', firmware],
    ['Findings', `${findings.length} (${SEVERITIES.map((s) => `${s} ${counts[s]}`).join(', ')})`],
  ];
  for (const [label, value] of rows) if (value !== null) writeLine(io.stdout, `${label.padEnd(10)} ${value}`);
  for (const f of findings) {
    writeLine(io.stdout, '');
    writeLine(io.stdout, `${f.severity.toUpperCase().padEnd(9)} ${f.id}  ${f.title} (${f.confidence})`);
    writeLine(io.stdout, `          Seen: ${f.evidence}`);
    writeLine(io.stdout, `          Fix:  ${f.fix}`);
  }
  const skipped = report.checks.filter((c) => c.status === 'not_checked' || c.status === 'error');
  if (skipped.length > 0) {
    writeLine(io.stdout, '');
    writeLine(io.stdout, 'Not checked:');
    for (const c of skipped) {
      const topic = CHECK_TOPICS[c.check];
      writeLine(io.stdout, `  ${c.check.padEnd(10)} ${topic ? `${topic}: ` : ''}${c.reason ?? c.status}`);
    }
  }
  writeLine(io.stdout, '');
}

function fail(io: CliIo, json: boolean, err: unknown, serial: string | null): number {
  const code = exitCodeFor(err);
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    const error = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    writeLine(io.stdout, JSON.stringify({ serial, error, message }));
  }
  writeLine(io.stderr, `hik-guard audit: ${serial ? `${serial}: ` : ''}${message}`);
  return code;
}
