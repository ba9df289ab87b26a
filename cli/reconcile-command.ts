/**
 * `hik-guard reconcile`: settles rotations that did not finish. For each device with a pending
 * password (or just the one at --host) each of its two passwords is tried at most once, the likelier
 * first; the one that works becomes current. Neither: the device is flagged needs_attention.
 */
import { HikError } from '../lib/errors';
import { findRecordByAddress } from '../lib/rotation/enrol-device';
import { reconcileDevice, type ReconcileOutcome } from '../lib/rotation/reconcile-device';
import { CredentialVault } from '../lib/vault/credential-vault';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import { portOption, secondsOption } from './rotate-command';
import type { CommandHelp } from './command-help';
import {
  describeFailure,
  DEVICE_EXIT_CODES,
  errorJson,
  exitCodeFor,
  VAULT_UNUSABLE_TEXT,
} from './rotation-exit';
import { readVaultKey, VAULT_KEY_OPTIONS } from './vault-key';

export const RECONCILE_HELP: CommandHelp = {
  name: 'reconcile',
  forms: [
    'reconcile --vault FILE [--vault-key-file FILE] [--host HOST [--port N] [--https]] [--timeout SECONDS] [--json]',
  ],
  short: 'reconcile --vault FILE [options]',
  about: `Settles every device the vault holds with a pending password (or only the one at --host):
    its current and its pending password are each tried at most once, the likelier first (the pending
    one when the change request had gone out), and the one that works becomes current. If neither
    works the device is flagged "needs attention" and nothing more is tried. Exit codes 3 to 6 tell
    about the first device that could not be asked.`,
  options: [
    ...VAULT_KEY_OPTIONS,
    [
      '--host HOST',
      'only the device last seen at this address (default: every device with a pending password)',
    ],
    ['--port N', 'default 443 with --https, else 80'],
    ['--https', 'reach --host over HTTPS'],
    ['--timeout SECONDS', 'per request, default 10'],
    ['--json', 'a JSON array, one object per device'],
  ],
  exitCodes: [
    [EXIT.ok, 'settled (or nothing pending)'],
    [EXIT.failure, 'unexpected failure (please report it)'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
    [EXIT.needsAttention, 'a device needs attention: neither its current nor its pending password works'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

interface DeviceResult {
  serial: string;
  resolution: ReconcileOutcome['resolution'] | 'failed';
  reason: string | null;
}

export async function runReconcileCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseOptions(argv);
  const secret = await readVaultKey(io, options.vaultKeyFile);
  let vault: CredentialVault;
  try {
    vault = await CredentialVault.open(options.vault, secret);
  } catch (err) {
    if (options.json) writeLine(io.stdout, JSON.stringify({ error: errorJson(err) }));
    writeLine(io.stderr, `hik-guard reconcile: ${describeFailure(err)}`);
    return exitCodeFor(err);
  }
  try {
    let serials: string[] = vault.pendingSerials();
    let address: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
    if (options.host !== undefined) {
      const port = portOption(options.port, options.https);
      const record = findRecordByAddress(vault, options.host, port);
      if (!record) throw new UsageError(`the vault holds no device last seen at ${options.host}:${port}`);
      serials = [record.serial];
      address = { host: options.host, port, protocol: options.https ? 'https' : 'http' };
    }
    const results: DeviceResult[] = [];
    let exitCode: number = EXIT.ok;
    for (const serial of serials) {
      try {
        const outcome = await reconcileDevice({
          vault,
          serial,
          address,
          guard: io.loginGuard,
          connectTimeoutMs: Math.min(options.timeoutMs, 5_000),
          requestTimeoutMs: options.timeoutMs,
        });
        results.push({ serial, resolution: outcome.resolution, reason: outcome.reason });
        if (outcome.resolution === 'needs_attention') exitCode = EXIT.needsAttention;
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        results.push({ serial, resolution: 'failed', reason: err.code });
        writeLine(io.stderr, `hik-guard reconcile: ${serial}: ${describeFailure(err)}`);
        if (exitCode === EXIT.ok) exitCode = exitCodeFor(err);
      }
    }
    if (options.json) writeLine(io.stdout, JSON.stringify(results));
    else if (results.length === 0) writeLine(io.stdout, 'Nothing pending.');
    else
      for (const r of results)
        writeLine(io.stdout, `${r.serial}  ${r.resolution}${r.reason ? ` (${r.reason})` : ''}`);
    return exitCode;
  } finally {
    await vault.close();
  }
}

interface ReconcileCliOptions {
  vault: string;
  vaultKeyFile: string | undefined;
  host: string | undefined;
  port: string | undefined;
  https: boolean;
  timeoutMs: number;
  json: boolean;
}

function parseOptions(argv: string[]): ReconcileCliOptions {
  const values = parseCommandArgs(argv, {
    vault: { type: 'string' },
    'vault-key-file': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    https: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  });
  if (!values.vault) throw new UsageError('--vault FILE is required');
  if (values.host === undefined && (values.port !== undefined || values.https)) {
    throw new UsageError('--port and --https go with --host');
  }
  return {
    vault: values.vault,
    vaultKeyFile: values['vault-key-file'],
    host: values.host,
    port: values.port,
    https: values.https,
    timeoutMs: secondsOption('--timeout', values.timeout, 0.1, 300),
    json: values.json,
  };
}
