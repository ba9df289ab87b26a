/**
 * A stream consumer as tests need one (docs/protocol/consumers.md §0): it holds an rtsp:// URL
 * with the camera credential in its userinfo and logs in from its own loopback address on a
 * cadence (default every second; a function gives backoffs like Home Assistant's stream worker),
 * counting what the camera answered. `setUrl` is how a real consumer picks up a new URL (go2rtc's
 * PUT, Frigate's restart, a Home Assistant reload): the next login uses it, one in flight does not.
 *
 * Also runnable as its own process (`node --require tsx/cjs test/support/stream-consumer.ts`):
 * the URL comes from the environment variable STREAM_CONSUMER_URL (never argv, which other users
 * can read), options `--from ADDR` and `--every MS`; each stdin line is a new URL; each attempt
 * prints one JSON line `{"attempt":n,"result":"ok"}` (never the URL).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { rtspLogin, type RtspLoginResult } from './rtsp-login';

export interface StreamConsumerTally {
  attempts: number;
  ok: number;
  /** The camera refused the credential (401): each is a failed login at the camera. */
  refused: number;
  /** Not reachable, not found or not understood. */
  other: number;
  consecutiveRefusals: number;
  last: RtspLoginResult | null;
}

export interface StreamConsumerOptions {
  url: string;
  /** The consumer's own loopback address, so the camera counts its failures separately. */
  localAddress: string;
  /** Default 1000. */
  everyMs?: number;
  /** Wait before the next login, from the tally after the last one; default: `everyMs` flat. */
  nextDelayMs?: (tally: Readonly<StreamConsumerTally>) => number;
  timeoutMs?: number;
}

type AttemptListener = (result: RtspLoginResult, tally: Readonly<StreamConsumerTally>) => void;

export class StreamConsumer {
  readonly tally: StreamConsumerTally = {
    attempts: 0,
    ok: 0,
    refused: 0,
    other: 0,
    consecutiveRefusals: 0,
    last: null,
  };
  private currentUrl: string;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private running = false;
  private readonly listeners = new Set<AttemptListener>();

  constructor(private readonly options: StreamConsumerOptions) {
    this.currentUrl = options.url;
  }

  get url(): string {
    return this.currentUrl;
  }

  /** The next login (not one in flight) uses this URL. */
  setUrl(url: string): void {
    this.currentUrl = url;
  }

  /** Logs in at once, then on the cadence until stopped. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.schedule(0);
    return this;
  }

  /** Stops the cadence and waits for a login in flight to end. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Calls `listener` after every login; returns the unsubscribe function. */
  onAttempt(listener: AttemptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first login that starts after this call and ends within `timeoutMs`. */
  nextAttempt(timeoutMs = 5000): Promise<RtspLoginResult> {
    const startedBefore = this.tally.attempts + (this.inFlight ? 1 : 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no stream login within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onAttempt((result, tally) => {
        if (tally.attempts <= startedBefore) return;
        clearTimeout(timer);
        off();
        resolve(result);
      });
    });
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.attempt().finally(() => {
        this.inFlight = null;
      });
    }, delayMs);
  }

  private async attempt(): Promise<void> {
    const result = await rtspLogin(this.currentUrl, {
      localAddress: this.options.localAddress,
      timeoutMs: this.options.timeoutMs,
    });
    const tally = this.tally;
    tally.attempts += 1;
    tally.last = result;
    if (result === 'ok') tally.ok += 1;
    else if (result === 'refused') tally.refused += 1;
    else tally.other += 1;
    tally.consecutiveRefusals = result === 'refused' ? tally.consecutiveRefusals + 1 : 0;
    for (const listener of this.listeners) listener(result, tally);
    if (!this.running) return;
    const every = this.options.everyMs ?? 1000;
    this.schedule(this.options.nextDelayMs?.(tally) ?? every);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: { from: { type: 'string', default: '127.0.0.1' }, every: { type: 'string', default: '1000' } },
  });
  const url = process.env.STREAM_CONSUMER_URL;
  if (!url) throw new Error('set STREAM_CONSUMER_URL to the rtsp:// URL');
  const consumer = new StreamConsumer({ url, localAddress: values.from, everyMs: Number(values.every) });
  consumer.onAttempt((result, tally) => {
    process.stdout.write(`${JSON.stringify({ attempt: tally.attempts, result })}\n`);
  });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim()) consumer.setUrl(line.trim());
  });
  const stop = (): void => {
    lines.close();
    void consumer.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  lines.once('close', stop);
  consumer.start();
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`stream consumer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
