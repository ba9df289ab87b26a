/**
 * Frigate as a consumer of a camera's password: every camera input whose path connects to the
 * camera's address gets the new credential in Frigate's saved config (frigate-api.ts). Frigate 0.17
 * keeps running its ffmpeg processes on the old paths until it restarts (docs/protocol/consumers.md
 * §5), so the restart is part of the update only when the user opted in (it interrupts recording
 * for up to a minute); without it the cameras are reported out of date until Frigate restarts.
 */
import {
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

export class FrigateConsumer implements Consumer {
  readonly kind = 'frigate';
  readonly id: string;
  readonly label: string;
  readonly account: ConsumerAccount;
  private readonly api: FrigateApi;
  private readonly restartAfterUpdate: boolean;

  constructor(options: FrigateConsumerOptions) {
    this.id = `frigate:${options.key}`;
    this.label = `Frigate at ${hostOf(options.baseUrl)}`;
    this.account = options.account ?? 'admin';
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
    let saved: FrigateInputRef[] = [];
    try {
      saved = await this.api.updateInputsForHost(context.device.host, credential);
      if (saved.length === 0) return { status: 'updated', outOfDate: [] };
      if (!this.restartAfterUpdate) return { status: 'updated', outOfDate: this.untilRestart(saved) };
      await this.api.restart();
      return { status: 'updated', outOfDate: [] };
    } catch (err) {
      // Saved but not restarted: those cameras still run on the old password.
      return failedUpdate(this, err, this.untilRestart(saved));
    }
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
