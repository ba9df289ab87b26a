/**
 * Memory samples of the soak bench and what they say about growth: the average of the first
 * quarter of the samples against the last quarter, and the least-squares slope in MB per hour.
 * heapUsed is read right after a full collection when the process runs with --expose-gc, so it
 * measures what is still referenced, not what the collector has not reached yet.
 */

export interface MemorySample {
  /** Milliseconds since the run started. */
  atMs: number;
  heapUsedMb: number;
  rssMb: number;
}

export interface Trend {
  firstQuarterMb: number;
  lastQuarterMb: number;
  /** Least-squares slope over all samples. */
  slopeMbPerHour: number;
}

const MB = 1024 * 1024;

/** One sample now; collects garbage first when `gc` is exposed. */
export function sampleMemory(startedAt: number, now: number): MemorySample {
  global.gc?.();
  const usage = process.memoryUsage();
  return { atMs: now - startedAt, heapUsedMb: usage.heapUsed / MB, rssMb: usage.rss / MB };
}

/** Trend of one series; null with fewer than 4 samples (no quarters to compare). */
export function trendOf(samples: readonly MemorySample[], value: (s: MemorySample) => number): Trend | null {
  if (samples.length < 4) return null;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const values = samples.map(value);
  return {
    firstQuarterMb: mean(values.slice(0, quarter)),
    lastQuarterMb: mean(values.slice(-quarter)),
    slopeMbPerHour: slope(
      samples.map((s) => s.atMs / 3_600_000),
      values,
    ),
  };
}

/** Least-squares slope of y over x (0 when x does not vary). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] ?? 0;
    sy += ys[i] ?? 0;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    num += dx * ((ys[i] ?? 0) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}
