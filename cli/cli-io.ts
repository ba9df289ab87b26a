import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { LoginGuard } from '../lib/isapi/login-guard';

/** What a CLI command needs from its process, injectable so commands run inside tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Default: the process-wide guard. Tests pass their own, as if each run were its own process. */
  loginGuard?: LoginGuard;
  /** Ends a long-running command (`watch`) as SIGINT/SIGTERM do; for tests and embedding. */
  stopSignal?: AbortSignal;
}

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  authFailed: 3,
  locked: 4,
  unreachable: 5,
  deviceError: 6,
  /** Rotation/reconcile: neither the current nor the pending password works; an owner must look. */
  needsAttention: 7,
  /**
   * The vault key does not open the vault, the vault is damaged beyond its backup, or another
   * process (Node-RED) holds it for writing.
   */
  vaultUnusable: 8,
  /**
   * The device's TLS certificate is not the pinned one (or not the one given with --fingerprint):
   * nothing was sent. If the owner replaced it: `hik-guard vault repin SERIAL`.
   */
  certificateChanged: 9,
} as const;

/** A command-line mistake; the message is shown with the usage text and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Strict option parsing for a command: unknown options and positionals are usage errors. */
export function parseCommandArgs<const O extends OptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(usageText(err, Object.keys(options)));
  }
}

/** Node's parser message, in the CLI's voice (lower case), with the option meant when it is close. */
function usageText(err: unknown, known: readonly string[]): string {
  const message = err instanceof Error ? err.message : String(err);
  const text = message.charAt(0).toLowerCase() + message.slice(1);
  const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
  const meant = unknown === undefined ? undefined : known.find((name) => closeTo(unknown, name));
  return meant === undefined ? text : `${text} (did you mean --${meant}?)`;
}

/** A typo of `name`: at most two letters added, dropped or changed (edit distance). */
function closeTo(typed: string, name: string): boolean {
  let previous = Array.from({ length: name.length + 1 }, (_, j) => j);
  for (let i = 1; i <= typed.length; i++) {
    const row = [i];
    for (let j = 1; j <= name.length; j++) {
      const change = (previous[j - 1] ?? 0) + (typed[i - 1] === name[j - 1] ? 0 : 1);
      row.push(Math.min(change, (previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1));
    }
    previous = row;
  }
  return (previous[name.length] ?? Infinity) <= 2;
}
