/**
 * Runs `hik-guard` in this process as its own process would (its own login guard, no terminal),
 * capturing stdout and stderr. `start` returns at once for long-running commands (`watch`): await
 * output lines as they come, then `stop()` like Ctrl-C.
 */
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import type { CliIo } from '../../cli/cli-io';
import { LoginGuard } from '../../lib/isapi/login-guard';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  /** Complete stdout lines so far. */
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first line (seen or to come) matching `predicate`; fails after `ms`. */
  line(what: string, predicate: (line: string) => boolean, ms?: number): Promise<string>;
  /** Ends the command as SIGINT would and resolves with its result. */
  stop(): Promise<CliRun>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const abort = new AbortController();
  const lines: string[] = [];
  let partial = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    loginGuard: new LoginGuard(),
    stopSignal: abort.signal,
  };
  const exited = main(args, io);
  let finished = false;
  void exited.finally(() => (finished = true));
  return {
    lines,
    stderr: () => err,
    line(what, predicate, ms = 5_000) {
      return new Promise<string>((resolve, reject) => {
        const check = (): boolean => {
          const found = lines.find(predicate);
          if (found === undefined && !finished) return false;
          cleanup();
          if (found === undefined) reject(new Error(`the command ended before ${what}; stderr: ${err}`));
          else resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}; stdout: ${lines.join('\n')}; stderr: ${err}`));
        }, ms);
        const onData = (): void => void setImmediate(check);
        const cleanup = (): void => {
          clearTimeout(timer);
          stdout.off('data', onData);
        };
        stdout.on('data', onData);
        void exited.finally(() => setImmediate(check));
        check();
      });
    },
    async stop() {
      abort.abort();
      const code = await exited;
      return { code, stdout: lines.join('\n') + partial, stderr: err };
    },
  };
}

/** Runs a command to its end (a long-running one is stopped at once). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, env).stop();
}
