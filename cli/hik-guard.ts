#!/usr/bin/env node
/** `hik-guard`: the command-line face of the core library, sharing its login guard. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultLoginGuard, type LoginGuard, type RefusalMemory } from '../lib/isapi/login-guard';
import { runSimCommand, SIM_HELP } from '../sim';
import { ACTIVATE_HELP, runActivateCommand } from './activate-command';
import { AUDIT_HELP, runAuditCommand } from './audit-command';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import { formatHelp, shortUsage, type CommandHelp } from './command-help';
import { DISCOVER_HELP, runDiscoverCommand } from './discover-command';
import { RECONCILE_HELP, runReconcileCommand } from './reconcile-command';
import { RefusalFile, refusalFilePath, REFUSAL_TTL_MS } from './refusal-file';
import { ROTATE_HELP, runRotateCommand } from './rotate-command';
import { runStatusCommand, STATUS_HELP } from './status-command';
import { runStreamAccountCommand, STREAM_ACCOUNT_HELP } from './stream-account-command';
import { runVaultCommand, VAULT_HELP } from './vault-command';
import { runWatchCommand, WATCH_HELP } from './watch-command';

type Command = (argv: string[], io: CliIo) => Promise<number>;

export interface CommandEntry {
  run: Command;
  help: CommandHelp;
  summary: string;
  /** Logs in to devices: its login guard remembers refused passwords across runs. */
  logsIn?: true;
}

/** In the order the overview lists them (exported for the test that checks their exit codes). */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  discover: {
    run: runDiscoverCommand,
    help: DISCOVER_HELP,
    summary: 'find devices on the network (SADP) and whether they are activated',
  },
  status: {
    run: runStatusCommand,
    help: STATUS_HELP,
    summary: "show a device's identity and activation state",
    logsIn: true,
  },
  rotate: {
    run: runRotateCommand,
    help: ROTATE_HELP,
    summary: "rotate a device's password (enrolling it into a vault on first use)",
    logsIn: true,
  },
  reconcile: {
    run: runReconcileCommand,
    help: RECONCILE_HELP,
    summary: 'settle rotations that did not finish (pending passwords in a vault)',
    logsIn: true,
  },
  'stream-account': {
    run: runStreamAccountCommand,
    help: STREAM_ACCOUNT_HELP,
    summary: 'create, rotate or show the low-privilege account stream consumers use',
    logsIn: true,
  },
  vault: {
    run: runVaultCommand,
    help: VAULT_HELP,
    summary: 'list, show or export the passwords in a credential vault',
  },
  watch: {
    run: runWatchCommand,
    help: WATCH_HELP,
    summary: 'report factory resets and other state changes as they happen (no login)',
  },
  activate: {
    run: runActivateCommand,
    help: ACTIVATE_HELP,
    summary: 'claim an inactive device with a generated password kept in a vault',
    logsIn: true,
  },
  audit: {
    run: runAuditCommand,
    help: AUDIT_HELP,
    summary: 'check devices for known firmware vulnerabilities and risky settings (read only)',
    logsIn: true,
  },
  sim: {
    run: runSimCommand,
    help: SIM_HELP,
    summary: 'run the simulated device fleet on loopback (for trying things out)',
  },
};

const NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;

const USAGE = [
  'Usage: hik-guard <command> [options]',
  '       hik-guard <command> --help',
  '       hik-guard --version',
  '',
  'Commands:',
  ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(NAME_WIDTH)}${summary}`),
  '',
  "Run 'hik-guard <command> --help' for a command's options and exit codes.",
].join('\n');

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    writeLine(name === undefined ? io.stderr : io.stdout, USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    writeLine(io.stdout, packageVersion());
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    writeLine(io.stderr, `hik-guard: unknown command '${name}'`);
    writeLine(io.stderr, 'Usage: hik-guard <command> [options]  (hik-guard --help for the commands)');
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, formatHelp(command.help));
    return EXIT.ok;
  }
  const refusals = command.logsIn ? openRefusalFile(rest, io) : null;
  try {
    const code = await command.run(rest, refusals ? { ...io, loginGuard: refusals.guard } : io);
    if (refusals?.file.matchedRefusalAt != null) explainRemembered(io, refusals.file);
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `hik-guard ${name}: ${err.message}`);
      writeLine(io.stderr, shortUsage(command.help));
      return EXIT.usage;
    }
    writeLine(
      io.stderr,
      `hik-guard ${name}: unexpected failure: ${err instanceof Error ? err.message : String(err)}`,
    );
    return EXIT.failure;
  } finally {
    // The guard may be the process-wide one of an embedding process: leave it as it was.
    refusals?.guard.useRefusalMemory(refusals.previous);
  }
}

/**
 * The guard this run logs in through, with the refusals earlier runs remembered. The state file
 * sits beside --vault when one is given (read here, before the command parses its options).
 */
function openRefusalFile(
  argv: string[],
  io: CliIo,
): { guard: LoginGuard; file: RefusalFile; previous: RefusalMemory | undefined } | null {
  const { values } = parseArgs({ args: argv, options: { vault: { type: 'string' } }, strict: false });
  const vault = typeof values.vault === 'string' ? values.vault : undefined;
  const path = refusalFilePath(io.env, vault);
  if (path === null) return null;
  const file = new RefusalFile(path, (message) => writeLine(io.stderr, `hik-guard: warning: ${message}`));
  const guard = io.loginGuard ?? defaultLoginGuard();
  const previous = guard.useRefusalMemory(file);
  return { guard, file, previous };
}

function explainRemembered(io: CliIo, file: RefusalFile): void {
  const since = new Date(file.matchedRefusalAt ?? 0);
  const until = new Date(since.getTime() + REFUSAL_TTL_MS);
  writeLine(
    io.stderr,
    `hik-guard: the device refused that password on ${since.toISOString()}, so it was not sent again ` +
      `(remembered without the password in ${file.path} until ${until.toISOString().slice(0, 10)}; ` +
      'if the device has that password again, delete that file).',
  );
}

function packageVersion(): string {
  // Built to dist/cli/, sources in cli/: the package root is two or one levels up.
  for (const up of ['../..', '..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      continue;
    }
  }
  return 'unknown';
}

if (require.main === module) {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
