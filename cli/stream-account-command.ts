/**
 * `hik-guard stream-account`: the dedicated streaming account of one device in a vault (create,
 * rotate, show). Create and rotate log in as the device's administrator from the vault; the
 * account's password is written to the vault before the device is asked (write-ahead), and an
 * unfinished earlier attempt is settled first. Show reads the vault only.
 */
import { parseArgs } from 'node:util';
import {
  createStreamingAccount,
  rotateStreamingAccount,
  STREAMING_ACCOUNT,
  type StreamingAccountOutcome,
} from '../lib/accounts/streaming-account';
import { CredentialVault } from '../lib/vault/credential-vault';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import type { CommandHelp } from './command-help';
import { secondsOption } from './rotate-command';
import {
  describeFailure,
  DEVICE_EXIT_CODES,
  errorJson,
  exitCodeFor,
  VAULT_UNUSABLE_TEXT,
} from './rotation-exit';
import { readVaultKey, VAULT_KEY_OPTIONS } from './vault-key';

export const STREAM_ACCOUNT_HELP: CommandHelp = {
  name: 'stream-account',
  forms: [
    'stream-account create --vault FILE --serial SERIAL [--username NAME] [--allow-http-password-change] [--vault-key-file FILE] [--timeout SECONDS] [--json]',
    'stream-account rotate --vault FILE --serial SERIAL [--allow-http-password-change] [--vault-key-file FILE] [--timeout SECONDS] [--json]',
    'stream-account show --vault FILE --serial SERIAL [--vault-key-file FILE] [--json]',
  ],
  short: 'stream-account create|rotate|show --vault FILE --serial SERIAL [options]',
  about: `A dedicated streaming account is a low-privilege user on the device (live view and playback
    only) whose password hik guard keeps in the vault. Give it to everything that only streams (go2rtc,
    Frigate, Home Assistant cameras, a recorder) and the administrator's password can rotate on its
    schedule without touching any stream. The streaming account is rotated only when you ask.

    create adds the user (default name hikstream) and sets its rights; rotate gives it a new password
    (update your stream consumers with it at once); show prints its user name and password from the
    vault. create and rotate log in as the administrator the vault holds, through the same login guard
    as rotate. A create or rotate that did not finish is settled before anything new.`,
  commands: [
    ['create', 'add the streaming account to the device (nothing happens if the vault has one)'],
    ['rotate', "give the streaming account a new password (the administrator's stays)"],
    ['show', "print the streaming account's user name and password (read-only)"],
  ],
  options: [
    ...VAULT_KEY_OPTIONS,
    ['--serial SERIAL', 'the device, as enrolled in the vault'],
    ['--username NAME', 'create: the user name on the device, default hikstream'],
    [
      '--allow-http-password-change',
      'the vault reaches the device over plain HTTP: send the password anyway',
    ],
    ['--timeout SECONDS', 'per request, default 10'],
    ['--json', 'one JSON object on stdout'],
  ],
  exitCodes: [
    [EXIT.ok, 'done (create: also when the vault already had the account)'],
    [EXIT.failure, 'unexpected failure (please report it)'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
    [
      EXIT.needsAttention,
      "the device needs attention: the administrator's password in the vault does not work",
    ],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

type Subcommand = 'create' | 'rotate' | 'show';

interface StreamAccountOptions {
  subcommand: Subcommand;
  vault: string;
  keyFile: string | undefined;
  serial: string;
  username: string | undefined;
  allowHttp: boolean;
  timeoutMs: number;
  json: boolean;
}

export async function runStreamAccountCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseStreamAccountOptions(argv);
  const key = await readVaultKey(io, options.keyFile);
  let vault: CredentialVault;
  try {
    vault = await CredentialVault.open(options.vault, key, { readOnly: options.subcommand === 'show' });
  } catch (err) {
    return fail(io, options, err);
  }
  try {
    if (!vault.get(options.serial)) throw new UsageError(`the vault holds no device ${options.serial}`);
    if (options.subcommand === 'show') return show(io, vault, options);
    const common = {
      vault,
      serial: options.serial,
      guard: io.loginGuard,
      allowHttpPasswordChange: options.allowHttp,
      connectTimeoutMs: Math.min(options.timeoutMs, 5_000),
      requestTimeoutMs: options.timeoutMs,
    };
    let outcome: StreamingAccountOutcome;
    try {
      outcome =
        options.subcommand === 'create'
          ? await createStreamingAccount({ ...common, username: options.username })
          : await rotateStreamingAccount(common);
    } catch (err) {
      return fail(io, options, err);
    }
    // The CLI knows no holders (they are configured in Node-RED), so there are no consumers to show.
    const { serial, result, username, userId } = outcome;
    if (options.json) writeLine(io.stdout, JSON.stringify({ serial, result, username, userId }));
    else writeLine(io.stdout, `${outcome.serial}  ${outcome.result}  ${outcome.username ?? ''}`.trimEnd());
    return EXIT.ok;
  } finally {
    await vault.close();
  }
}

function show(io: CliIo, vault: CredentialVault, options: StreamAccountOptions): number {
  const account = vault.get(options.serial)?.accounts[STREAMING_ACCOUNT] ?? null;
  const view = account && {
    serial: options.serial,
    username: account.username,
    password: account.password,
    userId: account.userId,
    lastRotation: account.lastRotation,
    pending: account.pending !== null,
  };
  if (options.json) writeLine(io.stdout, JSON.stringify(view));
  else if (!view)
    writeLine(
      io.stdout,
      `${options.serial} has no streaming account (create one with stream-account create).`,
    );
  else {
    writeLine(io.stdout, `user      ${view.username}`);
    writeLine(io.stdout, `password  ${view.password ?? '(not confirmed yet)'}`);
    writeLine(io.stdout, `rotated   ${view.lastRotation ?? 'never'}`);
    if (view.pending) writeLine(io.stdout, 'a change is pending: create or rotate settles it');
  }
  return EXIT.ok;
}

function fail(io: CliIo, options: StreamAccountOptions, err: unknown): number {
  if (options.json) writeLine(io.stdout, JSON.stringify({ error: errorJson(err) }));
  writeLine(io.stderr, `hik-guard stream-account: ${describeFailure(err)}`);
  return exitCodeFor(err);
}

function parseStreamAccountOptions(argv: string[]): StreamAccountOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        vault: { type: 'string' },
        'vault-key-file': { type: 'string' },
        serial: { type: 'string' },
        username: { type: 'string' },
        'allow-http-password-change': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '10' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [subcommand, ...extra] = positionals;
  if (subcommand !== 'create' && subcommand !== 'rotate' && subcommand !== 'show') {
    throw new UsageError('say create, rotate or show');
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (!values.vault) throw new UsageError('--vault FILE is required');
  if (!values.serial) throw new UsageError('--serial SERIAL is required');
  if (values.username !== undefined && subcommand !== 'create')
    throw new UsageError('--username goes with create');
  return {
    subcommand,
    vault: values.vault,
    keyFile: values['vault-key-file'],
    serial: values.serial,
    username: values.username,
    allowHttp: values['allow-http-password-change'],
    timeoutMs: secondsOption('--timeout', values.timeout, 0.1, 300),
    json: values.json,
  };
}
