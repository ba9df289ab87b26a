/**
 * Forks a TypeScript child (tsx) that says it has loaded with its first IPC message, so a kill
 * never lands in module loading. The child's output is drained, not shown; every child is killed
 * and awaited by the caller.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface LoadedChild {
  child: ChildProcess;
  exited: Promise<void>;
  kill(): Promise<void>;
}

export function forkLoaded(module: string, loadTimeoutMs = 20_000): Promise<LoadedChild> {
  const child = fork(module, [], { execArgv: ['--require', 'tsx/cjs'], silent: true });
  child.stdout?.resume();
  child.stderr?.resume();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`${module} did not load in ${loadTimeoutMs} ms`));
    }, loadTimeoutMs);
    child.once('message', () => {
      clearTimeout(timer);
      resolve({ child, exited, kill });
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${module} exited before loading`));
    });
  });
}
