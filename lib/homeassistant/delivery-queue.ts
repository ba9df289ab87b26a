/**
 * What waits to be delivered to Home Assistant, keyed so that the latest item per key wins and
 * bounded so that a long outage cannot grow memory: putting a new key into a full queue evicts
 * the oldest one (counted in `dropped`). Items are sent one at a time, in order, while the link is
 * ready; a retriable failure keeps the item and retries after a back-off (or at the next ready),
 * a refused item is dropped and reported, an auth failure stops everything.
 */
import {
  HaAuthInvalidError,
  HaCommandError,
  HaNotAdminError,
  HaRequestRejectedError,
  InvalidArgumentError,
  type HikError,
} from '../errors';
import type { CappedBackoff } from './backoff';
import { toHaError } from './ha-error';

export interface DeliveryQueueOptions<T> {
  /** Most keys held at once. */
  readonly maxItems: number;
  readonly send: (item: T, key: string) => Promise<void>;
  /** True while sending makes sense (connected, authenticated). */
  readonly isReady: () => boolean;
  readonly backoff: CappedBackoff;
  /** An item was refused or evicted; it will not be sent. */
  readonly onDropped: (error: HikError | null, item: T) => void;
  /** The token stopped working; the owner closes the link. */
  readonly onFatal: (error: HikError) => void;
}

type Verdict = 'fatal' | 'drop' | 'retry';

function classify(error: HikError): Verdict {
  if (error instanceof HaAuthInvalidError || error instanceof HaNotAdminError) return 'fatal';
  if (error instanceof HaCommandError || error instanceof InvalidArgumentError) return 'drop';
  if (error instanceof HaRequestRejectedError && error.httpStatus < 500) return 'drop';
  return 'retry';
}

export class DeliveryQueue<T> {
  private readonly items = new Map<string, T>();
  private readonly idleWaiters = new Set<() => void>();
  private draining = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private droppedCount = 0;

  constructor(private readonly options: DeliveryQueueOptions<T>) {}

  get size(): number {
    return this.items.size;
  }

  /** Items evicted because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Replaces whatever waits under `key` (and moves it to the back), then sends if ready. */
  put(key: string, item: T): void {
    if (this.closed) return;
    this.items.delete(key);
    if (this.items.size >= this.options.maxItems) {
      const [oldestKey, oldest] = this.items.entries().next().value as [string, T];
      this.items.delete(oldestKey);
      this.droppedCount += 1;
      this.options.onDropped(null, oldest);
    }
    this.items.set(key, item);
    this.drain();
  }

  /** Sends what waits, unless already sending or not ready. */
  drain(): void {
    if (this.draining || this.closed || !this.options.isReady()) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.draining = true;
    void this.sendAll().finally(() => {
      this.draining = false;
      this.notifyIfIdle();
    });
  }

  /** Resolves once nothing waits and nothing is in flight (or the queue is closed). */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.add(resolve);
      this.notifyIfIdle();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.items.clear();
    this.notifyIfIdle();
  }

  private async sendAll(): Promise<void> {
    for (;;) {
      const next = this.items.entries().next();
      if (next.done === true || this.closed || !this.options.isReady()) return;
      const [key, item] = next.value;
      try {
        await this.options.send(item, key);
        this.failures = 0;
        if (this.items.get(key) === item) this.items.delete(key);
      } catch (err: unknown) {
        if (!this.onFailure(key, item, toHaError(err))) return;
      }
    }
  }

  /** True when draining may go on with the next item. */
  private onFailure(key: string, item: T, error: HikError): boolean {
    switch (classify(error)) {
      case 'fatal':
        this.options.onFatal(error);
        return false;
      case 'drop':
        if (this.items.get(key) === item) this.items.delete(key);
        this.options.onDropped(error, item);
        return true;
      case 'retry':
        this.scheduleRetry();
        return false;
    }
  }

  private scheduleRetry(): void {
    const delay = this.options.backoff.delayMs(this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drain();
    }, delay);
  }

  private notifyIfIdle(): void {
    if (this.draining || (this.items.size > 0 && !this.closed)) return;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters.clear();
  }
}
