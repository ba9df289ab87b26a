/**
 * `hik-guard watch`: the reset watch (SADP plus the free activateStatus poll) run from a terminal
 * until SIGINT/SIGTERM, printing each state transition or event as it happens. It never logs in:
 * without `--target` it listens for Hellos and scans the group on the chosen interfaces; with
 * `--target` it asks exactly those addresses by unicast and polls each device found on the HTTP
 * port it reported. With `--vault`, a device the vault knows that someone else activated after a
 * reset is flagged needs_attention, so nothing keeps sending it a password that cannot work.
 */
import { HikError } from '../lib/errors';
import type { DeviceChange } from '../lib/monitor/activation-monitor';
import { FleetWatch } from '../lib/fleet/fleet-watch';
import { sharedSadpSockets } from '../lib/runtime';
import { everyIpv4Interface, resolveInterfaces, type SadpInterface } from '../lib/sadp/sadp-interfaces';
import type { SadpTarget } from '../lib/sadp/sadp-scanner';
import { parseSadpTarget } from '../lib/sadp/sadp-target';
import { CredentialVault } from '../lib/vault/credential-vault';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import type { CommandHelp } from './command-help';
import { errorJson, VAULT_UNUSABLE_TEXT, vaultExitCode } from './rotation-exit';
import { readVaultKey, VAULT_KEY_ENV } from './vault-key';
import { untilStopped } from '../lib/until-stopped';

export const WATCH_HELP: CommandHelp = {
  name: 'watch',
  forms: [
    'watch [--target HOST[:PORT]]... [--interface ADDR]... [--vault FILE] [--vault-key-file FILE] [--interval SECONDS] [--json]',
  ],
  short: 'watch [options]',
  about: `Watches devices for factory resets and other state changes until interrupted (Ctrl-C), without
    ever logging in: SADP (announcements and scans) plus GET /SDK/activateStatus on each device. One
    line per transition.`,
  options: [
    [
      '--target HOST[:PORT]',
      'watch the devices at this address (unicast SADP, then polls); repeatable. Without it: listen for announcements and scan the group on each interface',
    ],
    [
      '--interface ADDR',
      'local interface name or IPv4 address to use; repeatable (default: every IPv4 interface, loopback included)',
    ],
    ['--vault FILE', 'a credential vault: a known device activated by someone else is flagged'],
    ['--vault-key-file FILE', `read the vault key from FILE; else from env ${VAULT_KEY_ENV}`],
    ['--interval SECONDS', 'poll and scan interval, default 60'],
    ['--json', 'one JSON object per line: serial, from, to, at, evidence (and kind, event, name, model, ip)'],
  ],
  exitCodes: [
    [EXIT.ok, 'stopped'],
    [EXIT.failure, 'the network or the vault could not be used'],
    [EXIT.usage, 'usage error'],
    [EXIT.vaultUnusable, VAULT_UNUSABLE_TEXT],
  ],
};

interface WatchOptions {
  targets: SadpTarget[];
  interfaces: SadpInterface[];
  vault: string | undefined;
  vaultKeyFile: string | undefined;
  intervalMs: number;
  json: boolean;
}

export async function runWatchCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseWatchOptions(argv);
  let vault: CredentialVault | null = null;
  if (options.vault !== undefined) {
    const secret = await readVaultKey(io, options.vaultKeyFile);
    try {
      vault = await CredentialVault.open(options.vault, secret);
    } catch (err) {
      writeLine(io.stderr, `hik-guard watch: ${errorJson(err).message}`);
      return vaultExitCode(err) ?? EXIT.failure;
    }
  }
  const byTarget = options.targets.length > 0;
  const watch = new FleetWatch({
    pollIntervalMs: options.intervalMs,
    sadp: {
      interfaces: options.interfaces,
      targets: options.targets,
      multicast: !byTarget,
      // Announcements go to the group on the local segment; targets may be anywhere.
      passive: !byTarget,
      scanIntervalMs: options.intervalMs,
      sockets: sharedSadpSockets(),
    },
    vault,
    guard: io.loginGuard,
    onChange: (change) => writeLine(io.stdout, options.json ? jsonLine(change) : humanLine(change)),
    onError: (err) => writeLine(io.stderr, `hik-guard watch: ${errorJson(err).message}`),
  });
  try {
    await watch.start();
    writeLine(
      io.stderr,
      `Watching ${byTarget ? options.targets.map((t) => t.host).join(', ') : 'the local network'}; stop with Ctrl-C.`,
    );
    await untilStopped(io.stopSignal);
    return EXIT.ok;
  } catch (err) {
    if (!HikError.isHikError(err)) throw err;
    writeLine(io.stderr, `hik-guard watch: ${err.message}`);
    return EXIT.failure;
  } finally {
    await watch.stop();
    await vault?.close();
  }
}

function jsonLine(change: DeviceChange): string {
  const { serial, from, to, at, evidence, kind, event, name, model, ip } = change;
  return JSON.stringify({ serial, from, to, at, evidence, kind, event, name, model, ip });
}

function humanLine(change: DeviceChange): string {
  const what =
    change.kind === 'event' ? `${change.event ?? 'event'} (${change.to})` : `${change.from} -> ${change.to}`;
  const where = change.ip ? ` ${change.ip}` : '';
  const evidence = Object.entries(change.evidence)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  const warning =
    change.kind === 'transition' && change.to === 'inactive' ? '  NOT ACTIVATED: anyone can claim it' : '';
  return `${change.at}  ${change.serial}${where}  ${what}  [${evidence}]${warning}`;
}

function parseWatchOptions(argv: string[]): WatchOptions {
  const values = parseCommandArgs(argv, {
    target: { type: 'string', multiple: true, default: [] },
    interface: { type: 'string', multiple: true, default: [] },
    vault: { type: 'string' },
    'vault-key-file': { type: 'string' },
    interval: { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
  });
  const seconds = Number(values.interval);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86_400) {
    throw new UsageError('--interval must be a number of seconds from 1 to 86400');
  }
  if (values['vault-key-file'] !== undefined && values.vault === undefined) {
    throw new UsageError('--vault-key-file needs --vault FILE');
  }
  try {
    return {
      targets: values.target.map(parseSadpTarget),
      interfaces: values.interface.length > 0 ? resolveInterfaces(values.interface) : everyIpv4Interface(),
      vault: values.vault,
      vaultKeyFile: values['vault-key-file'],
      intervalMs: Math.round(seconds * 1000),
      json: values.json,
    };
  } catch (err: unknown) {
    if (HikError.isHikError(err)) throw new UsageError(err.message);
    throw err;
  }
}
