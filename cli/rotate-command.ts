/**
 * `hik-guard rotate`: enrols a device into a vault on first use (with the password from an
 * environment variable or the prompt), then rotates its password the crash-safe way. Prints the
 * result, never a password: the new one is only in the vault (`hik-guard vault show SERIAL`).
 */
import { CredentialManager, type DeviceResult, type ManagedDevice } from '../lib/rotation/credential-manager';
import { MAX_SETTLE_MS } from '../lib/rotation/rotate-device';
import { CredentialVault } from '../lib/vault/credential-vault';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import { readPassword } from './read-password';
import type { CommandHelp } from './command-help';
import {
  describeFailure,
  DEVICE_EXIT_CODES,
  errorJson,
  exitCodeFor,
  VAULT_UNUSABLE_TEXT,
} from './rotation-exit';
import { readVaultKey, VAULT_KEY_OPTIONS } from './vault-key';

export const ROTATE_HELP: CommandHelp = {
  name: 'rotate',
  forms: [
    'rotate --host HOST [--port N] (--https | --allow-http-password-change) [--user NAME] --vault FILE [--vault-key-file FILE] [--password-env VAR] [--settle SECONDS] [--timeout SECONDS] [--json]',
  ],
  short: 'rotate --host HOST (--https | --allow-http-password-change) --vault FILE [options]',
  about: `Rotates a device's password: the new password is written to the vault before the device is
    changed, verified on the device, then committed. A device not yet in the vault is enrolled first
    with its current password (from --password-env VAR, else you are prompted). Prints the result,
    never a password: the new one is in the vault (hik-guard vault show SERIAL).`,
  options: [
    ['--host HOST', 'device address'],
    ['--port N', 'default 443 with --https, else 80'],
    ['--https', 'talk HTTPS; the certificate is pinned on first use'],
    [
      '--allow-http-password-change',
      'allow the change over plain HTTP (the new password crosses the LAN in clear)',
    ],
    ['--user NAME', 'default admin (used when enrolling)'],
    ...VAULT_KEY_OPTIONS,
    ['--password-env VAR', 'the current password, for enrolment only'],
    ['--settle SECONDS', 'wait before verifying the new password, 0 to 5, default 2'],
    ['--timeout SECONDS', 'per request, default 10'],
    ['--json', 'one JSON object on stdout'],
  ],
  exitCodes: [
    [EXIT.ok, 'rotated'],
    [EXIT.failure, 'skipped (e.g. a pending change: run reconcile)'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
    [EXIT.needsAttention, 'needs attention: neither the current nor the pending password works'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

interface RotateCliOptions {
  host: string;
  port: number;
  https: boolean;
  allowHttp: boolean;
  user: string;
  vault: string;
  vaultKeyFile: string | undefined;
  passwordEnv: string | undefined;
  settleMs: number;
  timeoutMs: number;
  json: boolean;
}

export async function runRotateCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseRotateOptions(argv);
  const secret = await readVaultKey(io, options.vaultKeyFile);
  let vault: CredentialVault;
  try {
    vault = await CredentialVault.open(options.vault, secret);
  } catch (err) {
    return fail(io, options.json, err);
  }
  try {
    // The same orchestrator as the hik-credentials node: enrol on first contact, then rotate.
    let enrolmentPassword: string | undefined;
    const device: ManagedDevice = {
      key: 'cli',
      name: options.host,
      host: options.host,
      port: options.port,
      protocol: options.https ? 'https' : 'http',
      username: options.user,
      serial: null,
      allowHttpPasswordChange: options.allowHttp,
      recorder: false,
      enrolmentPassword: () => enrolmentPassword,
    };
    const manager = new CredentialManager({
      vault,
      devices: [device],
      settleMs: options.settleMs,
      guard: io.loginGuard,
      connectTimeoutMs: Math.min(options.timeoutMs, 5_000),
      requestTimeoutMs: options.timeoutMs,
    });
    const known = manager.record(device) !== null;
    if (!known) {
      enrolmentPassword = await readPassword(
        io,
        options.passwordEnv,
        `Password for ${options.user}@${options.host}: `,
      );
    }
    const outcome = await manager.rotate(device);
    // Not even enrolled (wrong password, unreachable): an error, as for any command.
    if (outcome.serial === null && outcome.error) return fail(io, options.json, outcome.error);
    const enrolled = !known && outcome.serial !== null && manager.record(device) !== null;
    return report(io, options.json, outcome, enrolled);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return fail(io, options.json, err);
  } finally {
    await vault.close();
  }
}

function report(io: CliIo, json: boolean, outcome: DeviceResult, enrolled: boolean): number {
  const { serial, result, reason, rotatedAt } = outcome;
  if (json) writeLine(io.stdout, JSON.stringify({ serial, result, reason, rotatedAt, enrolled }));
  else {
    if (enrolled) writeLine(io.stdout, `Enrolled   ${serial}`);
    writeLine(io.stdout, `Serial     ${serial}`);
    writeLine(io.stdout, `Result     ${result}${reason ? ` (${reason})` : ''}`);
    if (rotatedAt) writeLine(io.stdout, `Rotated at ${rotatedAt}`);
    if (result === 'rotated')
      writeLine(io.stdout, `The new password is in the vault: hik-guard vault show ${serial}`);
  }
  if (outcome.error) writeLine(io.stderr, `hik-guard rotate: ${describeFailure(outcome.error)}`);
  switch (result) {
    case 'rotated':
      return EXIT.ok;
    case 'skipped':
      return reason === 'HIK_ERR_NEEDS_ATTENTION' ? EXIT.needsAttention : EXIT.failure;
    case 'needs_attention':
      return EXIT.needsAttention;
    default:
      return exitCodeFor(outcome.error);
  }
}

function fail(io: CliIo, json: boolean, err: unknown): number {
  if (json) writeLine(io.stdout, JSON.stringify({ error: errorJson(err) }));
  writeLine(io.stderr, `hik-guard rotate: ${describeFailure(err)}`);
  return exitCodeFor(err);
}

function parseRotateOptions(argv: string[]): RotateCliOptions {
  const values = parseCommandArgs(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    https: { type: 'boolean', default: false },
    'allow-http-password-change': { type: 'boolean', default: false },
    user: { type: 'string', default: 'admin' },
    vault: { type: 'string' },
    'vault-key-file': { type: 'string' },
    'password-env': { type: 'string' },
    settle: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  });
  if (!values.host) throw new UsageError('--host is required');
  if (!values.vault) throw new UsageError('--vault FILE is required');
  if (values.https === values['allow-http-password-change']) {
    throw new UsageError('pass exactly one of --https and --allow-http-password-change');
  }
  return {
    host: values.host,
    port: portOption(values.port, values.https),
    https: values.https,
    allowHttp: values['allow-http-password-change'],
    user: values.user,
    vault: values.vault,
    vaultKeyFile: values['vault-key-file'],
    passwordEnv: values['password-env'],
    settleMs: secondsOption('--settle', values.settle, 0, MAX_SETTLE_MS / 1000),
    timeoutMs: secondsOption('--timeout', values.timeout, 0.1, 300),
    json: values.json,
  };
}

export function portOption(value: string | undefined, https: boolean): number {
  if (value === undefined) return https ? 443 : 80;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError('--port must be a number from 1 to 65535');
  return port;
}

export function secondsOption(name: string, value: string, min: number, max: number): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new UsageError(`${name} must be a number of seconds from ${min} to ${max}`);
  }
  return Math.round(seconds * 1000);
}
