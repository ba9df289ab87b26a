/**
 * go2rtc (standalone, or the one inside Frigate reached on its own API) as a consumer of a
 * camera's password: every stream whose source connects to the camera's address gets the new
 * credential (go2rtc-api.ts: PATCH for running producers, PUT to replace and persist). A stream
 * whose password comes from a variable cannot be changed by machine and is reported as such.
 */
import {
  consumerIdFor,
  failedUpdate,
  type Consumer,
  type ConsumerAccount,
  type ConsumerCredential,
  type ConsumerUpdateContext,
  type ConsumerUpdateResult,
} from './consumer';
import { Go2rtcApi } from './go2rtc-api';

export interface Go2rtcConsumerOptions {
  /** Stable id of its settings (the `hik-go2rtc` config node's id). */
  readonly key: string;
  /** `http://127.0.0.1:1984` */
  readonly baseUrl: string;
  readonly apiUser?: { readonly username: string; readonly password: string } | undefined;
  readonly account?: ConsumerAccount | undefined;
  readonly timeoutMs?: number | undefined;
}

export class Go2rtcConsumer implements Consumer {
  readonly kind = 'go2rtc';
  readonly id: string;
  readonly label: string;
  readonly account: ConsumerAccount;
  private readonly api: Go2rtcApi;

  constructor(options: Go2rtcConsumerOptions) {
    this.account = options.account ?? 'admin';
    this.id = consumerIdFor(`go2rtc:${options.key}`, this.account);
    this.label = `go2rtc at ${hostOf(options.baseUrl)}`;
    this.api = new Go2rtcApi({
      baseUrl: options.baseUrl,
      consumerId: this.id,
      apiUser: options.apiUser,
      timeoutMs: options.timeoutMs,
    });
  }

  async update(
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<ConsumerUpdateResult> {
    try {
      await this.api.updateStreamsForHost(context.device.host, credential);
      return { status: 'updated', outOfDate: [] };
    } catch (err) {
      return failedUpdate(this, err);
    }
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}
