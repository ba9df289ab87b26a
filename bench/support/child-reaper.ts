/**
 * The benchmark's child processes (Node-RED, the CLI, the simulated fleet, the floors) are ended
 * with it: interrupted (SIGINT, SIGTERM: what the namespace wrapper passes on), it kills every
 * child still running before it exits, so none is left behind in a namespace nobody can reach.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;

/** Remembers `child` until it exits; returns it. */
export function reaped<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const running of children) running.kill('SIGKILL');
        process.exit(130);
      });
    }
  }
  return child;
}
