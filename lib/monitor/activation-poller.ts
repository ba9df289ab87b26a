/**
 * The free activation poll: every `intervalMs`, `GET /SDK/activateStatus` (no authentication, so
 * no login attempt is ever spent) on each device the monitor knows an address for, a few at a
 * time so a thousand devices do not open a thousand sockets at once. One client per device is
 * kept between rounds (and replaced when its address changes) and closed on stop; its connection
 * is not: each poll asks for the connection to be closed once it is answered.
 */
import { DeviceUnreachableError, InvalidArgumentError } from '../errors';
import { getActivationStatus } from '../isapi/endpoints/system';
import { IsapiClient } from '../isapi/isapi-client';
import type { LoginGuard } from '../isapi/login-guard';
import type { PollAddress } from './activation-monitor';

/** When the first round runs after a start (or an interval change), ms. */
const FIRST_ROUND_MS = 2_000;

export interface PollTarget {
  serial: string;
  address: PollAddress;
}

export interface ActivationPollerOptions {
  /** Default 60 s; 0 = only when `pollNow` is called. */
  intervalMs?: number;
  /** Polls in flight at once. Default 16. */
  concurrency?: number;
  targets: () => PollTarget[];
  onResult: (serial: string, result: boolean | null | Error) => void;
  /** Default 3 s each: a poll is cheap, a slow answer is as good as none. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  guard?: LoginGuard;
}

interface CachedClient {
  key: string;
  client: IsapiClient;
}

export class ActivationPoller {
  private readonly clients = new Map<string, CachedClient>();
  private timer: NodeJS.Timeout | null = null;
  private firstRound: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;
  private intervalMs: number;
  private started = false;

  constructor(private readonly options: ActivationPollerOptions) {
    this.intervalMs = checkedInterval(options.intervalMs ?? 60_000);
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new InvalidArgumentError('concurrency must be a whole number >= 1');
  }

  /**
   * Starts the interval. The first round runs a moment from now, not one interval: a device that
   * SADP does not reach (another subnet, old firmware) would otherwise stay unknown for a whole
   * interval after every start or redeploy, and SADP, where it reaches, has spoken by then.
   */
  start(): void {
    this.started = true;
    if (this.intervalMs > 0 && !this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.pollNow(), this.intervalMs);
      this.firstRound = setTimeout(() => void this.pollNow(), Math.min(FIRST_ROUND_MS, this.intervalMs));
    }
  }

  /** Changes the interval (0 = no rounds of its own); a running interval restarts with it. */
  setIntervalMs(intervalMs: number): void {
    if (checkedInterval(intervalMs) === this.intervalMs) return;
    this.intervalMs = intervalMs;
    this.clearTimers();
    if (this.started) this.start();
  }

  private clearTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.firstRound) clearTimeout(this.firstRound);
    this.timer = null;
    this.firstRound = null;
  }

  /** One round over every target; a round already running is joined, not doubled. */
  pollNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.round ??= this.runRound().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await Promise.all([...this.clients.values()].map((c) => c.client.close()));
    // Closing the clients ends any poll in flight, so the round ends promptly.
    await this.round;
    this.clients.clear();
  }

  private async runRound(): Promise<void> {
    const queue = this.options.targets();
    const workers = Array.from(
      { length: Math.min(this.options.concurrency ?? 16, queue.length) },
      async () => {
        for (let target = queue.shift(); target && !this.stopped; target = queue.shift()) {
          await this.pollOne(target);
        }
      },
    );
    await Promise.all(workers);
  }

  private async pollOne(target: PollTarget): Promise<void> {
    const result = await this.check(target);
    if (!this.stopped) this.options.onResult(target.serial, result);
  }

  /** One poll of one target, answered to the caller instead of `onResult` (a confirmation). */
  async check(target: PollTarget): Promise<boolean | null | Error> {
    if (this.stopped) return new DeviceUnreachableError('the activation monitor has stopped');
    try {
      return await getActivationStatus(this.clientFor(target));
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private clientFor({ serial, address }: PollTarget): IsapiClient {
    const key = `${address.protocol}://${address.host}:${address.port}`;
    const cached = this.clients.get(serial);
    if (cached?.key === key) return cached.client;
    if (cached) void cached.client.close();
    const client = new IsapiClient({
      host: address.host,
      port: address.port,
      protocol: address.protocol,
      serial,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3_000,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 3_000,
      // One question a minute: a connection kept open after it would only hold a socket on both
      // ends (and this process's memory) until it times out, long before the next round.
      keepAliveMs: 0,
      guard: this.options.guard,
    });
    this.clients.set(serial, { key, client });
    return client;
  }
}

function checkedInterval(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0)
    throw new InvalidArgumentError('intervalMs must be a whole number >= 0');
  return ms;
}
