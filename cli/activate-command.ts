/**
 * `hik-guard activate`: claims an inactive (factory-reset or new) device with a freshly generated
 * password. SADP (unicast to the host, no login) tells its serial and HTTP port; then the re-claim
 * does the rest the crash-safe way: the password is in the vault before the activate call (a
 * pending change for a known device, a new record otherwise), verified on the device, committed.
 * An activated device is refused before anything but the free activateStatus is asked. Prints the
 * result, never the password: it is in the vault (`hik-guard vault show SERIAL`).
 */
import { DeviceUnreachableError, ReclaimRefusedError } from '../lib/errors';
import { reclaimDevice, type ReclaimOutcome } from '../lib/rotation/reclaim-device';
import { sharedSadpSockets } from '../lib/runtime';
import type { SadpDevice } from '../lib/sadp/sadp-device';
import { SadpScanner } from '../lib/sadp/sadp-scanner';
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

export const ACTIVATE_HELP: CommandHelp = {
  name: 'activate',
  forms: [
    'activate --host HOST [--port N] --vault FILE [--vault-key-file FILE] [--timeout SECONDS] [--json]',
  ],
  short: 'activate --host HOST --vault FILE [options]',
  about: `Activates an inactive Hikvision device with a generated password, stored in the vault before the
    device is changed. Activation uses the device's RSA/AES exchange, so plain HTTP is safe. Prints the
    result, never the password: it is in the vault (hik-guard vault show SERIAL).`,
  options: [
    ['--host HOST', 'device address (it must answer SADP, which tells its serial)'],
    ['--port N', 'HTTP port, default the one the device reports over SADP, else 80'],
    ...VAULT_KEY_OPTIONS,
    ['--timeout SECONDS', 'per request, default 10'],
    ['--json', 'one JSON object on stdout'],
  ],
  exitCodes: [
    [EXIT.ok, 'activated'],
    [EXIT.failure, 'refused: already activated, or a pending change'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
    [EXIT.needsAttention, 'someone else activated it first (needs attention)'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

/** How long the SADP inquiry waits for the device's answer. */
const SADP_WINDOW_MS = 1_000;

interface ActivateOptions {
  host: string;
  port: number | undefined;
  vault: string;
  vaultKeyFile: string | undefined;
  timeoutMs: number;
  json: boolean;
}

export async function runActivateCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseActivateOptions(argv);
  const secret = await readVaultKey(io, options.vaultKeyFile);
  let vault: CredentialVault;
  try {
    vault = await CredentialVault.open(options.vault, secret);
  } catch (err) {
    return fail(io, options.json, err);
  }
  try {
    const device = await identify(options.host);
    const serial = device.serial as string;
    const outcome = await reclaimDevice({
      vault,
      serial,
      address: { host: options.host, port: options.port ?? device.httpPort ?? 80, protocol: 'http' },
      // The owner named this device on the command line: that is the explicit listing.
      listed: true,
      sawInactive: false,
      connectTimeoutMs: Math.min(options.timeoutMs, 5_000),
      requestTimeoutMs: options.timeoutMs,
      guard: io.loginGuard,
    });
    return report(io, options.json, outcome);
  } catch (err) {
    return fail(io, options.json, err);
  } finally {
    await vault.close();
  }
}

/** The device at `host` as it answers SADP; it must tell its serial. */
async function identify(host: string): Promise<SadpDevice> {
  const scanner = new SadpScanner({
    interfaces: [],
    multicast: false,
    targets: [{ host }],
    windowMs: SADP_WINDOW_MS,
    sockets: sharedSadpSockets(),
  });
  try {
    const { devices } = await scanner.scan();
    const device = devices.find((d) => d.serial !== null);
    if (!device) throw new DeviceUnreachableError(`${host} did not answer SADP with a serial number`);
    return device;
  } finally {
    await scanner.close();
  }
}

function report(io: CliIo, json: boolean, outcome: ReclaimOutcome): number {
  const { serial, result, evidence } = outcome;
  if (json) writeLine(io.stdout, JSON.stringify({ serial, result, evidence }));
  else {
    writeLine(io.stdout, `Serial     ${serial}`);
    writeLine(io.stdout, `Result     ${result === 'reclaimed' ? 'activated' : result}`);
    if (result === 'reclaimed')
      writeLine(io.stdout, `The password is in the vault: hik-guard vault show ${serial}`);
  }
  if (result === 'reclaimed') return EXIT.ok;
  writeLine(io.stderr, `hik-guard activate: ${serial} was activated by someone else first`);
  return EXIT.needsAttention;
}

function fail(io: CliIo, json: boolean, err: unknown): number {
  if (json) writeLine(io.stdout, JSON.stringify({ error: errorJson(err) }));
  writeLine(io.stderr, `hik-guard activate: ${describeFailure(err)}`);
  // Refused means nothing was changed: like a skipped rotation.
  return err instanceof ReclaimRefusedError ? EXIT.failure : exitCodeFor(err);
}

function parseActivateOptions(argv: string[]): ActivateOptions {
  const values = parseCommandArgs(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    vault: { type: 'string' },
    'vault-key-file': { type: 'string' },
    timeout: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  });
  if (!values.host) throw new UsageError('--host is required');
  if (!values.vault) throw new UsageError('--vault FILE is required');
  return {
    host: values.host,
    port: values.port === undefined ? undefined : portOption(values.port, false),
    vault: values.vault,
    vaultKeyFile: values['vault-key-file'],
    timeoutMs: secondsOption('--timeout', values.timeout, 0.1, 300),
    json: values.json,
  };
}
