/**
 * Outside-in figures of another process, read from Linux's /proc: CPU time (every thread, to the
 * nanosecond from each thread's schedstat, with the coarser utime + stime of /proc/<pid>/stat as a
 * cross-check), resident memory now and its high-water mark, and small statistics helpers for
 * paired runs. Nothing here runs inside the measured process, so it changes nothing there.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcCpu {
  /** Sum over the process's live threads of the time they ran, ms (ns resolution). */
  threadsMs: number;
  /** utime + stime of the whole process (exited threads included), ms, 10 ms resolution. */
  statMs: number;
}

export interface ProcMemory {
  /** VmRSS, MB (MiB). */
  rssMb: number;
  /**
   * RssAnon, MB: the process's own memory. The rest of VmRSS is mostly the pages of the node
   * binary it has touched (RssFile, about 34 MB for an idle node 20), shared with every other
   * node process and given back by the kernel under pressure.
   */
  anonMb: number;
  /** VmHWM, the peak resident set since the process started, MB (MiB). */
  peakMb: number;
}

export function readProcCpu(pid: number): ProcCpu {
  // /proc/<pid>/stat: the command name (field 2) may hold spaces, so count from its ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read: its time is in statMs only.
    }
  }
  return { threadsMs: ns / 1e6, statMs: (ticks * 1000) / TICKS_PER_SECOND };
}

export function readProcMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The middle half of the values: [25th, 75th percentile], by nearest rank. */
export function quartiles(values: readonly number[]): [number, number] {
  const sorted = values.toSorted((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return [at(0.25), at(0.75)];
}

/** `median [q1–q3]` with `digits` decimals. */
export function spread(values: readonly number[], digits = 1): string {
  const [q1, q3] = quartiles(values);
  return `${median(values).toFixed(digits)} [${q1.toFixed(digits)}–${q3.toFixed(digits)}]`;
}
