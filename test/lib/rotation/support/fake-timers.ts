/** Timers and a clock that move only when the test says so (for the scheduler). */
import type { Timers } from '../../../../lib/rotation/rotation-scheduler';

interface Entry {
  at: number;
  fn: () => void;
  id: number;
}

export class FakeTimers implements Timers {
  private entries: Entry[] = [];
  private nextId = 1;

  constructor(public time: number) {}

  readonly now = (): number => this.time;

  setTimeout(fn: () => void, ms: number): unknown {
    const entry = { at: this.time + ms, fn, id: this.nextId++ };
    this.entries.push(entry);
    return entry.id;
  }

  clearTimeout(handle: unknown): void {
    this.entries = this.entries.filter((e) => e.id !== handle);
  }

  get pending(): number {
    return this.entries.length;
  }

  /** Moves time forward, firing every timer due on the way (and what they schedule). */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = this.entries.filter((e) => e.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.entries = this.entries.filter((e) => e !== next);
      this.time = Math.max(this.time, next.at);
      next.fn();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

/** Lets every promise chain that can run, run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
