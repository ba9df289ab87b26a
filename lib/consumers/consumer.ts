/**
 * A consumer: software that holds one of a device's account passwords and that hik guard can
 * update by machine (a recorder channel, go2rtc, Frigate, a Home Assistant integration, an ONVIF
 * user). A rotation hands each consumer the new password the moment the device accepted it,
 * fastest retriers first, because a consumer left on the old password keeps logging in with it
 * and soon locks the device for its address (docs/protocol and shared reference consumers.md §0).
 *
 * Rules every consumer keeps:
 * - `update` gets only the password now in force (never the old one "to test"), and is
 *   idempotent: the same password twice changes nothing; reconcile may repeat an update after a
 *   crash.
 * - It never reads a password back from the consumer; it matches what to change by the device's
 *   address or its own settings.
 * - It answers with a result, never throws: refused (the consumer said no, or cannot be changed
 *   by machine) and unreachable (try again later) carry a typed error without any secret.
 */
import { ConsumerRefusedError, ConsumerUnreachableError, HikError, type HikErrorCode } from '../errors';

/** Which kind of software holds the password; the editor, the sidebar and HA show it. */
export const CONSUMER_KINDS = [
  'recorder_channel',
  'go2rtc',
  'frigate',
  'ha_generic',
  'ha_hikvision_next',
  'ha_onvif',
  'onvif_user',
] as const;
export type ConsumerKind = (typeof CONSUMER_KINDS)[number];

/**
 * Which of the device's accounts a consumer logs in with: the admin account hik guard rotates,
 * or the dedicated streaming account (low privilege, its own schedule).
 */
export const CONSUMER_ACCOUNTS = ['admin', 'streaming'] as const;
export type ConsumerAccount = (typeof CONSUMER_ACCOUNTS)[number];

/**
 * Update order in the immediate phase after the device accepted a password: lower goes first.
 * go2rtc reconnects after 1 s and reaches 7 failed logins in about 15 s; the recorder's cadence is
 * unknown (simulated at 1 s); Frigate's ffmpeg retries every 10 s; Home Assistant's stream worker
 * backs off by 10 s and onvif / hikvision_next stop after one or two failures.
 */
export const CONSUMER_URGENCY: Readonly<Record<ConsumerKind, number>> = {
  go2rtc: 10,
  recorder_channel: 20,
  onvif_user: 25,
  frigate: 30,
  ha_generic: 40,
  ha_hikvision_next: 45,
  ha_onvif: 50,
};

/** The credential a consumer is given: the account's user name and the password now in force. */
export interface ConsumerCredential {
  readonly username: string;
  readonly password: string;
}

/** Where the device is now (a consumer matches its own entries by this, never by a password). */
export interface ConsumerDevice {
  readonly serial: string;
  readonly host: string;
  /** The device's HTTP(S) port, when known. */
  readonly port?: number | undefined;
}

export interface ConsumerUpdateContext {
  readonly device: ConsumerDevice;
  /** Aborted when the owner stops (node closed); an update in flight may finish. */
  readonly signal?: AbortSignal | undefined;
}

export type ConsumerUpdateResult =
  | {
      readonly status: 'updated';
      /**
       * Parts of the consumer still not in step after the update, in words a user understands
       * ("recorder channel 3 out of date"); empty when all is well. Non-empty is retried like a
       * refusal.
       */
      readonly outOfDate: readonly string[];
    }
  | {
      readonly status: 'refused';
      readonly error: ConsumerRefusedError;
      readonly outOfDate: readonly string[];
    }
  | {
      readonly status: 'unreachable';
      readonly error: ConsumerUnreachableError;
      readonly outOfDate: readonly string[];
    };

export interface Consumer {
  readonly kind: ConsumerKind;
  /**
   * Stable and unique among one device's consumers, without secrets (e.g.
   * `recorder_channel:DS-7608NI0120201234`); the vault records outstanding updates by it.
   */
  readonly id: string;
  /** For people: "recorder DS-7608NI… channel 3", "go2rtc at 127.0.0.1:1984". */
  readonly label: string;
  readonly account: ConsumerAccount;
  update(credential: ConsumerCredential, context: ConsumerUpdateContext): Promise<ConsumerUpdateResult>;
  /**
   * Optional: after the device verified the new password and the vault committed it, checks
   * that the consumer works with it (a recorder channel is online again) without sending any
   * password. Not `updated` (or out of date) makes the consumer stale, so it is updated again.
   */
  confirm?(context: ConsumerUpdateContext): Promise<ConsumerUpdateResult>;
}

/**
 * A consumer's id: its settings' own for the admin account (as earlier vaults recorded it), with
 * the account appended for another, so one holder listed for both accounts is tracked twice.
 */
export function consumerIdFor(base: string, account: ConsumerAccount): string {
  return account === 'admin' ? base : `${base}:${account}`;
}

/** Consumers in the order the immediate phase updates them (stable for equal urgency). */
export function inUpdateOrder<T extends Pick<Consumer, 'kind'>>(consumers: readonly T[]): T[] {
  return consumers
    .map((consumer, index) => ({ consumer, index }))
    .sort(
      (a, b) => CONSUMER_URGENCY[a.consumer.kind] - CONSUMER_URGENCY[b.consumer.kind] || a.index - b.index,
    )
    .map((entry) => entry.consumer);
}

/** What one consumer's update came to, as reported in events and results (no secrets). */
export interface ConsumerReport {
  readonly id: string;
  readonly kind: ConsumerKind;
  readonly label: string;
  readonly account: ConsumerAccount;
  readonly status: ConsumerUpdateResult['status'];
  /** The error code when refused or unreachable. */
  readonly code: HikErrorCode | null;
  readonly outOfDate: readonly string[];
}

/** Whether the consumer now holds the password in force, entirely. */
export function isInStep(report: Pick<ConsumerReport, 'status' | 'outOfDate'>): boolean {
  return report.status === 'updated' && report.outOfDate.length === 0;
}

/**
 * The result of an update that threw: a refusal or an outage as it was typed, anything else an
 * outage (tried again later) named by its code; `outOfDate` says what is still behind.
 */
export function failedUpdate(
  consumer: Pick<Consumer, 'id' | 'label'>,
  err: unknown,
  outOfDate: readonly string[] = [],
): ConsumerUpdateResult {
  if (err instanceof ConsumerRefusedError) return { status: 'refused', error: err, outOfDate };
  if (err instanceof ConsumerUnreachableError) return { status: 'unreachable', error: err, outOfDate };
  const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
  const error = new ConsumerUnreachableError(
    consumer.id,
    `${consumer.label} could not be updated (${code})`,
    {
      cause: err,
    },
  );
  return { status: 'unreachable', error, outOfDate };
}
