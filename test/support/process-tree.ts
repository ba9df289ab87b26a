/**
 * Linux process bookkeeping from /proc for tests that must prove nothing outlives a stop: the
 * descendants of a process, and whether a process still runs (a zombie waiting for its new parent
 * to reap it does not).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

/** `/proc/<pid>/stat`: the state and parent after the parenthesised command name. */
function readStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return null; // gone meanwhile
  }
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of `root` (children, their children, …). */
export function descendantsOf(root: number): ProcessInfo[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
  }
  const out: ProcessInfo[] = [];
  const queue = [root];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const pid of children.get(parent) ?? []) {
      out.push({ pid, ppid: parent, command: readCommand(pid) });
      queue.push(pid);
    }
  }
  return out;
}

/** True while the process exists and is not a zombie (same command line: a reused pid is not it). */
export function isRunning(process: ProcessInfo): boolean {
  const stat = readStat(process.pid);
  return stat !== null && stat.state !== 'Z' && readCommand(process.pid) === process.command;
}
