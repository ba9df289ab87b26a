/**
 * A recorder keeps its channels connected: it logs in to every channel's camera on a fixed
 * cadence with the credential it stored for the channel, from its own address (reusing
 * nvr-camera-login). So a channel left with a stale password costs the camera one failed login
 * from the recorder's address per round, and locks that address out after a few rounds, as in the
 * field (docs/protocol/consumers.md §1; the real cadence is not recorded, tests choose one).
 * Rounds never overlap; a stopped watch starts no new login.
 */
import type { DeviceState } from './device-state';
import { loginToCamera, type CameraLoginResult } from './nvr-camera-login';

export interface ChannelLoginTally {
  online: number;
  /** auth-failed or locked: the camera refused the stored credential. */
  refused: number;
  unreachable: number;
  last: CameraLoginResult | null;
}

export class NvrChannelWatch {
  /** Per channel id, since the device was created (survives reboots, like the counters). */
  readonly tallies = new Map<number, ChannelLoginTally>();
  private timer: NodeJS.Timeout | null = null;
  /** Bumped by every start and stop, so a round still in flight from before a stop ends there. */
  private generation = 0;
  private running = false;

  constructor(
    private readonly state: DeviceState,
    private readonly everyMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Starts the rounds from `localAddress` (the recorder's own). Idempotent. */
  start(localAddress: string): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    const round = async (): Promise<void> => {
      const started = Date.now();
      await Promise.all(this.state.channels.map((channel) => this.check(channel.id, localAddress)));
      if (generation !== this.generation) return;
      this.timer = setTimeout(() => void round(), Math.max(0, this.everyMs - (Date.now() - started)));
    };
    this.timer = setTimeout(() => void round(), this.everyMs);
  }

  stop(): void {
    this.running = false;
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async check(channelId: number, localAddress: string): Promise<void> {
    const channel = this.state.channelById(channelId);
    if (!channel) return;
    // The credential as stored at the start of the login: an update lands on the next round.
    const result = await loginToCamera({
      host: channel.ipAddress,
      port: channel.managePortNo,
      https: channel.https,
      userName: channel.userName,
      password: channel.password,
      localAddress,
      timeoutMs: this.timeoutMs,
    });
    const tally = this.tallies.get(channelId) ?? { online: 0, refused: 0, unreachable: 0, last: null };
    if (result === 'online') tally.online += 1;
    else if (result === 'unreachable') tally.unreachable += 1;
    else tally.refused += 1;
    tally.last = result;
    this.tallies.set(channelId, tally);
  }
}
