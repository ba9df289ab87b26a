/**
 * Capped, jittered exponential back-off for reconnecting to Home Assistant. Jitter keeps several
 * Node-RED instances (or a restarting HA behind a proxy) from reconnecting in lock-step, and the
 * delay is never 0 so a proxy that accepts and drops at once cannot cause a tight loop.
 */
import { InvalidArgumentError } from '../errors';

export interface BackoffOptions {
  /** First delay in ms. Default 1000. */
  readonly initialMs?: number;
  /** Largest delay in ms. Default 60000. */
  readonly maxMs?: number;
  /** Returns [0, 1); injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

export class CappedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs >= 1)) throw new InvalidArgumentError('backoff.initialMs must be at least 1');
    if (!(this.maxMs >= this.initialMs)) {
      throw new InvalidArgumentError('backoff.maxMs must be at least backoff.initialMs');
    }
  }

  /** Delay before retry number `attempt` (0-based): half to full of min(max, initial·2^attempt). */
  delayMs(attempt: number): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(attempt, 30));
    return Math.max(1, Math.round(ceiling * (0.5 + this.random() / 2)));
  }
}
