/**
 * The soak bench's chaos monkey: one seeded decision every `everyMs` — a fault injected into one
 * device (latency, dropped connection, busy, slow body, reboot in the middle of a request, with or
 * without the change applied), a reboot or a factory reset of one device — and Home Assistant
 * restarts at seeded random times. The same seed gives the same decisions; what they meet depends
 * on timing. Counts what it did, per kind.
 */
import { SeededRandom } from '../../test/support/seeded-random';
import type { WorldFault } from './soak-world-protocol';
import type { ResetLedger } from './soak-reset-ledger';
import type { SoakWorld } from './soak-world';

export const CHAOS_WEIGHTS = {
  latency: 20,
  dropConnection: 15,
  busy: 15,
  slowBody: 10,
  rebootMidRequest: 10,
  reboot: 8,
  factoryReset: 6,
} as const;
export type ChaosKind = keyof typeof CHAOS_WEIGHTS | 'haRestart';

/** Paths worth aiming at ('' = any request): identity, the password change and its check, the free poll, NVR channels. */
const PATHS: readonly string[] = [
  '',
  '/ISAPI/System/deviceInfo',
  '/ISAPI/Security/users/1',
  '/ISAPI/Security/userCheck',
  '/SDK/activateStatus',
  '/ISAPI/ContentMgmt/InputProxy/channels',
];

export interface ChaosOptions {
  world: SoakWorld;
  serials: readonly string[];
  random: SeededRandom;
  everyMs: number;
  /** Mean minutes between HA restarts; 0 = none. */
  haRestartEveryMinutes: number;
  /**
   * Whether the product holds the device for inactive right now (an earlier reset not yet
   * re-claimed and verified): a reset then starts no new inactive episode, so no new alert.
   */
  heldInactive?: (serial: string) => boolean;
  /** Told every factory reset done, and whether the product held that device inactive then. */
  ledger?: ResetLedger;
  onError: (err: Error) => void;
}

export class SoakChaos {
  readonly injected: Record<ChaosKind, number> = {
    latency: 0,
    dropConnection: 0,
    busy: 0,
    slowBody: 0,
    rebootMidRequest: 0,
    reboot: 0,
    factoryReset: 0,
    haRestart: 0,
  };
  /** Factory resets asked for whose device was not up and activated (not done, not counted). */
  resetsDeclined = 0;
  private timer: NodeJS.Timeout | null = null;
  private haTimer: NodeJS.Timeout | null = null;
  private readonly work = new Set<Promise<unknown>>();
  /** Its own sequence, so restart times do not depend on how many device decisions came first. */
  private readonly haRandom: SeededRandom;

  constructor(private readonly options: ChaosOptions) {
    this.haRandom = new SeededRandom(Math.floor(options.random.next() * 2 ** 32));
  }

  start(): void {
    this.timer = setInterval(() => this.track(this.tick()), this.options.everyMs);
    this.scheduleHaRestart();
  }

  /** No new decisions; resolves when those under way are answered. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.haTimer) clearTimeout(this.haTimer);
    this.timer = null;
    this.haTimer = null;
    await Promise.allSettled([...this.work]);
  }

  private async tick(): Promise<void> {
    const { random, world } = this.options;
    const kind = random.weighted(CHAOS_WEIGHTS);
    const serial = random.pick(this.options.serials);
    if (kind === 'reboot') {
      await world.reboot(serial);
    } else if (kind === 'factoryReset') {
      // Asked and noted before the reset: after it, the device's own SADP Hello may already have
      // turned it inactive (and alerted) before the world's answer arrives.
      const held = this.options.heldInactive?.(serial) ?? false;
      this.options.ledger?.reset(serial, held);
      if (!(await world.reset(serial))) {
        this.options.ledger?.withdraw(serial, held);
        this.resetsDeclined += 1;
        return;
      }
    } else {
      await world.fault(serial, this.fault(kind));
    }
    this.injected[kind] += 1;
  }

  private fault(kind: Exclude<keyof typeof CHAOS_WEIGHTS, 'reboot' | 'factoryReset'>): WorldFault {
    const { random } = this.options;
    const path = random.pick(PATHS);
    const scope = path === '' ? {} : { path };
    switch (kind) {
      case 'latency':
        return { kind, ms: random.int(100, 2_000), times: random.int(1, 10) };
      case 'dropConnection':
        return { kind, ...scope, times: 1 };
      case 'busy':
        return { kind, ...scope, times: random.int(1, 2) };
      case 'slowBody':
        return { kind, durationMs: random.int(500, 4_000), chunks: 4, ...scope, times: random.int(1, 3) };
      case 'rebootMidRequest':
        return { kind, applyBeforeFailing: random.next() < 0.5, ...scope, times: 1 };
    }
  }

  private scheduleHaRestart(): void {
    const mean = this.options.haRestartEveryMinutes * 60_000;
    if (mean <= 0) return;
    // Exponential gaps: restarts come at random, on average `mean` apart.
    const gap = Math.max(1_000, -Math.log(1 - this.haRandom.next()) * mean);
    this.haTimer = setTimeout(() => {
      this.track(
        this.options.world.haRestart(this.haRandom.int(20, 3_000)).then(() => {
          this.injected.haRestart += 1;
        }),
      );
      this.scheduleHaRestart();
    }, gap);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) =>
      this.options.onError(err instanceof Error ? err : new Error(String(err))),
    );
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }
}
