#!/usr/bin/env node
/** `hik-guard`: the command-line face of the core library, sharing its login guard. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimCommand, SIM_USAGE } from '../sim';
import { ACTIVATE_USAGE, runActivateCommand } from './activate-command';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import { DISCOVER_USAGE, runDiscoverCommand } from './discover-command';
import { RECONCILE_USAGE, runReconcileCommand } from './reconcile-command';
import { ROTATE_USAGE, runRotateCommand } from './rotate-command';
import { runStatusCommand, STATUS_USAGE } from './status-command';
import { runVaultCommand, VAULT_USAGE } from './vault-command';
import { runWatchCommand, WATCH_USAGE } from './watch-command';

const USAGE = `Usage: hik-guard <command> [options]

Commands:
  discover find devices on the network (SADP) and whether they are activated
  status   show a device's identity and activation state
  rotate   rotate a device's password (enrolling it into a vault on first use)
  reconcile settle rotations that did not finish (pending passwords in a vault)
  sim      run the simulated device fleet on loopback (for trying things out)
  vault    list, show or export the passwords in a credential vault
  watch    report factory resets and other state changes as they happen (no login)
  activate claim an inactive device with a generated password kept in a vault

Run 'hik-guard <command> --help' for a command's options.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  discover: { run: runDiscoverCommand, usage: DISCOVER_USAGE },
  status: { run: runStatusCommand, usage: STATUS_USAGE },
  rotate: { run: runRotateCommand, usage: ROTATE_USAGE },
  reconcile: { run: runReconcileCommand, usage: RECONCILE_USAGE },
  sim: { run: runSimCommand, usage: SIM_USAGE },
  vault: { run: runVaultCommand, usage: VAULT_USAGE },
  watch: { run: runWatchCommand, usage: WATCH_USAGE },
  activate: { run: runActivateCommand, usage: ACTIVATE_USAGE },
};

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
  const command = COMMANDS[name];
  if (!command) {
    writeLine(io.stderr, `hik-guard: unknown command '${name}'\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `hik-guard ${name}: ${err.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    writeLine(
      io.stderr,
      `hik-guard ${name}: unexpected failure: ${err instanceof Error ? err.message : String(err)}`,
    );
    return EXIT.failure;
  }
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
