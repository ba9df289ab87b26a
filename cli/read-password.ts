/**
 * Passwords reach the CLI from an environment variable or a terminal prompt, never from the
 * command line (where `ps` and shell history would keep them). Confirmations ("type yes") are
 * read from the terminal too, visibly.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError, type CliIo } from './cli-io';

export async function readPassword(io: CliIo, envVar: string | undefined, prompt: string): Promise<string> {
  if (envVar !== undefined) {
    const value = io.env[envVar];
    if (!value) throw new UsageError(`environment variable ${envVar} is not set or empty`);
    return value;
  }
  if (!io.stdin.isTTY) {
    throw new UsageError('no password: pass --password-env VAR, or run in a terminal to be prompted');
  }
  return promptHidden(io, prompt);
}

function promptHidden(io: CliIo, prompt: string): Promise<string> {
  io.stderr.write(prompt);
  // Echo nothing of what is typed.
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** One line typed at the terminal, shown as it is typed (a confirmation such as "yes"). */
export function askLine(io: CliIo, prompt: string): Promise<string> {
  io.stderr.write(prompt);
  const rl = createInterface({ input: io.stdin, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    // Input that ends without a line is no answer.
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
