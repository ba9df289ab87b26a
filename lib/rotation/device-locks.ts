/**
 * One rotation or reconcile at a time per device, across every node and the CLI in a process:
 * two overlapping rotations of one device could each write a pending password and lose one.
 */
import { RotationInProgressError } from '../errors';

export class DeviceLocks {
  private readonly held = new Map<string, Promise<void>>();

  /** True while some work holds the device. */
  isHeld(serial: string): boolean {
    return this.held.has(serial);
  }

  /**
   * Runs `work` holding the device. With `wait: false` (default) a held device throws
   * RotationInProgressError at once; with `wait: true` the work queues behind the holder.
   */
  async run<T>(serial: string, work: () => Promise<T>, options: { wait?: boolean } = {}): Promise<T> {
    while (this.held.has(serial)) {
      if (!options.wait) throw new RotationInProgressError(serial);
      await this.held.get(serial);
    }
    let release!: () => void;
    this.held.set(serial, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await work();
    } finally {
      this.held.delete(serial);
      release();
    }
  }
}

const DEFAULT_LOCKS_KEY = Symbol.for('node-red-contrib-hik-guard.device-locks');

/**
 * The locks every operation uses unless it is given others: one set per process, kept on a global
 * symbol so that even two loaded copies of this package never run two operations on one device.
 */
export function defaultDeviceLocks(): DeviceLocks {
  const holder = globalThis as { [DEFAULT_LOCKS_KEY]?: DeviceLocks };
  holder[DEFAULT_LOCKS_KEY] ??= new DeviceLocks();
  return holder[DEFAULT_LOCKS_KEY];
}
