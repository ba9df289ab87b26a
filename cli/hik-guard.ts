#!/usr/bin/env node
/** `hik-guard`: the command-line face of the core library, sharing its login guard. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimCommand, SIM_USAGE } from '../sim';
import { EXIT, UsageError, writeLine, type CliIo } from './cli-io';
import { runStatusCommand, STATUS_USAGE } from './status-command';

const USAGE = `Usage: hik-guard <command> [options]

Commands:
  status   show a device's identity and activation state
  sim      run the simulated device fleet on loopback (for trying things out)

Run 'hik-guard <command> --help' for a command's options.`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  status: { run: runStatusCommand, usage: STATUS_USAGE },
  sim: { run: runSimCommand, usage: SIM_USAGE },
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
