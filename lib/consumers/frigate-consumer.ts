/**
 * Frigate as a consumer of a camera's password: every camera input whose path connects to the
 * camera's address gets the new credential in Frigate's saved config (frigate-api.ts). Frigate 0.17
 * keeps running its ffmpeg processes on the old paths until it restarts (docs/protocol/consumers.md
 * §5), so the restart is part of the update only when the user opted in (it interrupts recording
 * for up to a minute); without it the cameras are reported out of date until Frigate restarts,
 * and the retries that follow only ask Frigate whether it has (its uptime), writing nothing.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  consumerIdFor,
  failedUpdate,
  type Consumer,
  type ConsumerAccount,
  type ConsumerCredential,
  type ConsumerUpdateContext,
  type ConsumerUpdateResult,
} from './consumer';
import { FrigateApi, type FrigateInputRef } from './frigate-api';

export interface FrigateConsumerOptions {
  /** Stable id of its settings (the `hik-frigate` config node's id). */
  readonly key: string;
  /** `http://frigate:5000` (internal, no login) or `https://frigate:8971` (with `login`). */
  readonly baseUrl: string;
  /** A Frigate admin user, for the authenticated port. */
  readonly login?: { readonly user: string; readonly password: string } | undefined;
  /** Accept Frigate's self-signed certificate on the authenticated port. */
  readonly allowSelfSigned?: boolean | undefined;
  /** Restart Frigate after saving new paths, so its cameras use them at once. */
  readonly restartAfterUpdate: boolean;
  readonly account?: ConsumerAccount | undefined;
  readonly timeoutMs?: number | undefined;
}

interface SavedAwaitingRestart {
  readonly digest: string;
  readonly savedAt: number;
  readonly saved: readonly FrigateInputRef[];
}

export class FrigateConsumer implements Consumer {
  readonly kind = 'frigate';
  readonly id: string;
  readonly label: string;
  readonly account: ConsumerAccount;
  private readonly api: FrigateApi;
  private readonly restartAfterUpdate: boolean;
  /** Per device address: a password saved without a restart, so a retry does not save it again. */
  private readonly awaitingRestart = new Map<string, SavedAwaitingRestart>();
  private readonly digestKey = randomBytes(32);

  constructor(options: FrigateConsumerOptions) {
    this.account = options.account ?? 'admin';
    this.id = consumerIdFor(`frigate:${options.key}`, this.account);
    this.label = `Frigate at ${hostOf(options.baseUrl)}`;
    this.restartAfterUpdate = options.restartAfterUpdate;
    this.api = new FrigateApi({
      baseUrl: options.baseUrl,
      consumerId: this.id,
      login: options.login,
      allowSelfSigned: options.allowSelfSigned ?? false,
      timeoutMs: options.timeoutMs,
    });
  }

  async update(
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<ConsumerUpdateResult> {
    const host = context.device.host;
    const digest = this.digestOf(credential);
    const waiting = this.awaitingRestart.get(host);
    let saved: FrigateInputRef[] = [];
    try {
      if (waiting?.digest === digest) return await this.restartedSince(host, waiting);
      saved = await this.api.updateInputsForHost(host, credential);
      if (saved.length === 0) return { status: 'updated', outOfDate: [] };
      if (!this.restartAfterUpdate) {
        this.awaitingRestart.set(host, { digest, savedAt: Date.now(), saved });
        return { status: 'updated', outOfDate: this.untilRestart(saved) };
      }
      await this.api.restart();
      this.awaitingRestart.delete(host);
      return { status: 'updated', outOfDate: [] };
    } catch (err) {
      // Saved but not restarted: those cameras still run on the old password.
      return failedUpdate(this, err, this.untilRestart(saved));
    }
  }

  /**
   * A retry of a password already saved: nothing is written again; in step once Frigate has
   * restarted since the save (by its owner), still out of date until then.
   */
  private async restartedSince(host: string, waiting: SavedAwaitingRestart): Promise<ConsumerUpdateResult> {
    const startedAt = await this.api.startedAt();
    if (startedAt === null || startedAt <= waiting.savedAt)
      return { status: 'updated', outOfDate: this.untilRestart(waiting.saved) };
    this.awaitingRestart.delete(host);
    return { status: 'updated', outOfDate: [] };
  }

  /** Tells passwords apart without keeping them (a key of this process only). */
  private digestOf(credential: ConsumerCredential): string {
    return createHmac('sha256', this.digestKey)
      .update(`${credential.username}\0${credential.password}`)
      .digest('hex');
  }

  /** One entry per Frigate camera that has the new password saved but not in use yet. */
  private untilRestart(saved: readonly FrigateInputRef[]): string[] {
    const cameras = [...new Set(saved.map((ref) => ref.camera))];
    return cameras.map((camera) => `Frigate camera ${camera} (until Frigate restarts)`);
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}
