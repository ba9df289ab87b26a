/**
 * `hik-guard discover`: one SADP scan, printed as a table or JSON. Without `--target` it asks the
 * group on every IPv4 interface, loopback included (where a local simulator answers), or on the
 * ones named; with `--target` it asks exactly those addresses, which reaches a known device across
 * subnets. Nothing answering is not an error.
 */
import { HikError } from '../lib/errors';
import { sharedSadpSockets } from '../lib/runtime';
import type { SadpDevice } from '../lib/sadp/sadp-device';
import {
  everyIpv4Interface,
  ipv4ToInt,
  resolveInterfaces,
  type SadpInterface,
} from '../lib/sadp/sadp-interfaces';
import { SadpScanner, type SadpTarget } from '../lib/sadp/sadp-scanner';
import { parseSadpTarget } from '../lib/sadp/sadp-target';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import type { CommandHelp } from './command-help';

export const DISCOVER_HELP: CommandHelp = {
  name: 'discover',
  forms: ['discover [--target HOST[:PORT]]... [--interface ADDR]... [--timeout MS] [--json]'],
  short: 'discover [options]',
  about: `Finds Hikvision devices with SADP (UDP 37020): without --target the inquiry goes to
    239.255.255.250 on every IPv4 interface, loopback included (or on the ones named); with --target
    exactly to those addresses. Prints a table, or a JSON array.`,
  options: [
    ['--target HOST[:PORT]', 'ask exactly this address (unicast or a directed broadcast); repeatable'],
    [
      '--interface ADDR',
      'local interface name or IPv4 address to use; repeatable (default: every IPv4 interface, loopback included)',
    ],
    ['--timeout MS', 'how long to collect replies, default 1500'],
    ['--json', 'a JSON array of devices (activated: true, false or null)'],
  ],
  exitCodes: [
    [EXIT.ok, 'ok, also when nothing answers'],
    [EXIT.failure, 'the network could not be used'],
    [EXIT.usage, 'usage error'],
  ],
};

interface DiscoverOptions {
  targets: SadpTarget[];
  interfaces: SadpInterface[];
  windowMs: number;
  json: boolean;
}

export async function runDiscoverCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseDiscoverOptions(argv);
  const scanner = new SadpScanner({
    interfaces: options.interfaces,
    multicast: options.targets.length === 0,
    targets: options.targets,
    windowMs: options.windowMs,
    sockets: sharedSadpSockets(),
  });
  try {
    const { devices, stats } = await scanner.scan();
    const sorted = devices.toSorted(byAddress);
    for (const unresolved of stats.unresolvedTargets) {
      writeLine(
        io.stderr,
        `hik-guard discover: target ${unresolved.host} not resolved: ${unresolved.reason}`,
      );
    }
    if (options.json) writeLine(io.stdout, JSON.stringify(sorted, null, 2));
    else printTable(io, sorted);
    return EXIT.ok;
  } catch (err: unknown) {
    if (!HikError.isHikError(err)) throw err;
    writeLine(io.stderr, `hik-guard discover: ${err.message}`);
    return EXIT.failure;
  } finally {
    await scanner.close();
  }
}

function parseDiscoverOptions(argv: string[]): DiscoverOptions {
  const values = parseCommandArgs(argv, {
    target: { type: 'string', multiple: true, default: [] },
    interface: { type: 'string', multiple: true, default: [] },
    timeout: { type: 'string', default: '1500' },
    json: { type: 'boolean', default: false },
  });
  const windowMs = Number(values.timeout);
  if (!Number.isInteger(windowMs) || windowMs < 100 || windowMs > 60_000) {
    throw new UsageError('--timeout must be a whole number of milliseconds from 100 to 60000');
  }
  try {
    return {
      targets: values.target.map(parseSadpTarget),
      interfaces: values.interface.length > 0 ? resolveInterfaces(values.interface) : everyIpv4Interface(),
      windowMs,
      json: values.json,
    };
  } catch (err: unknown) {
    if (HikError.isHikError(err)) throw new UsageError(err.message);
    throw err;
  }
}

function byAddress(a: SadpDevice, b: SadpDevice): number {
  const ia = ipv4ToInt(a.ipv4 ?? a.sourceAddress) ?? 0;
  const ib = ipv4ToInt(b.ipv4 ?? b.sourceAddress) ?? 0;
  return ia - ib || (a.serial ?? '').localeCompare(b.serial ?? '');
}

function printTable(io: CliIo, devices: readonly SadpDevice[]): void {
  if (devices.length === 0) {
    writeLine(io.stdout, 'No devices answered.');
    return;
  }
  const rows = devices.map((d) => [
    d.ipv4 ?? '?',
    d.model ?? '?',
    d.serial ?? '?',
    d.mac ?? '?',
    d.firmware ?? '?',
    d.activated === null ? 'unknown' : d.activated ? 'yes' : 'NO',
    d.offSubnet ? `off-subnet (from ${d.sourceAddress})` : '',
  ]);
  const header = ['IPv4', 'Model', 'Serial', 'MAC', 'Firmware', 'Activated', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  writeLine(io.stdout, line(header));
  for (const row of rows) writeLine(io.stdout, line(row));
  const inactive = devices.filter((d) => d.activated === false).length;
  if (inactive > 0) {
    const which = inactive === 1 ? '1 device is' : `${inactive} devices are`;
    writeLine(
      io.stdout,
      `\n${which} not activated: anyone on this network can claim ${inactive === 1 ? 'it' : 'them'}.`,
    );
  }
}
