/**
 * One connection to an MQTT broker (one per `hik-mqtt` config node), built on MQTT.js 5, which is
 * loaded only when the link starts so a Node-RED without MQTT never pays for it. The link keeps
 * Home Assistant's availability contract: a retained last will `offline` on the availability
 * topic, a retained `online` once connected, and a retained `offline` published on a clean stop
 * (bounded) because a clean disconnect does not fire the will.
 *
 * Reconnects are ours, not MQTT.js's fixed one-second period: capped, jittered back-off, a fresh
 * client per attempt. A refused login (CONNACK 4/5, MQTT 5 reason 134/135/140) is never retried:
 * the link stops with status `refused` until it is started anew (a redeploy), because each try
 * counts as a failed login on the broker. The password goes to the broker only, never to a log,
 * status, error or topic.
 */
import type { MqttClient } from 'mqtt';
import { trace } from '../diagnostics';
import {
  HikError,
  InvalidArgumentError,
  MqttAuthError,
  MqttRefusedError,
  MqttUnreachableError,
} from '../errors';
import { CappedBackoff, type BackoffOptions } from '../homeassistant/backoff';

export interface MqttLinkOptions {
  /** `mqtt://host[:port]` or `mqtts://host[:port]`; never with a user or password in it. */
  readonly url: string;
  readonly username?: string | null | undefined;
  readonly password?: string | null | undefined;
  readonly clientId: string;
  /** mqtts only: verification is on unless `verify: false`; `ca` (PEM) trusts a private CA. */
  readonly tls?:
    { readonly verify?: boolean | undefined; readonly ca?: string | null | undefined } | undefined;
  /** Retained `online` after connecting; the last will and a clean stop say `offline`. */
  readonly availabilityTopic: string;
  /** Subscribed (QoS 1) on every connection. */
  readonly subscriptions: readonly string[];
  /** Reconnect back-off. Default 1 s doubling up to 60 s, jittered. */
  readonly backoff?: BackoffOptions | undefined;
  /** CONNACK limit, ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Default 30 s. */
  readonly keepaliveSeconds?: number | undefined;
}

export type MqttLinkStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly lastError: HikError | null }
  | { readonly kind: 'connected' }
  /** Not retried: a refused login or an identifier the broker does not accept. */
  | { readonly kind: 'refused'; readonly error: HikError }
  | { readonly kind: 'closed' };

const AUTH_REFUSALS = new Set([4, 5, 134, 135, 140]);
/** The broker does not accept our client identifier: trying again cannot help. */
const ID_REFUSALS = new Set([2, 133]);

/** Checks a broker URL; throws InvalidArgumentError naming what is wrong. */
export function parseBrokerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new InvalidArgumentError('broker URL must look like mqtt://host:1883 or mqtts://host:8883');
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:')
    throw new InvalidArgumentError('broker URL must start with mqtt:// or mqtts://');
  if (parsed.hostname === '') throw new InvalidArgumentError('broker URL needs a host');
  if (parsed.username !== '' || parsed.password !== '')
    throw new InvalidArgumentError('broker URL must not hold a user or password: use the credential fields');
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '')
    throw new InvalidArgumentError('broker URL takes a host and port only');
  return parsed;
}

/** What MQTT.js reported, as one of our errors. */
function classify(err: Error & { code?: unknown }): HikError {
  if (typeof err.code === 'number') {
    if (AUTH_REFUSALS.has(err.code)) return new MqttAuthError(err.code);
    return new MqttRefusedError(err.code, !ID_REFUSALS.has(err.code));
  }
  return new MqttUnreachableError(
    `cannot reach the MQTT broker: ${err.message.slice(0, 200)}`,
    typeof err.code === 'string' ? err.code : null,
  );
}

function isFinal(error: HikError): boolean {
  return error instanceof MqttAuthError || (error instanceof MqttRefusedError && !error.retried);
}

/** Resolves true when `work` settles within `ms`, false when it fails or takes longer. */
async function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(1, ms))));
  const done = work.then(
    () => true,
    () => false,
  );
  const result = await Promise.race([done, late]);
  clearTimeout(timer);
  return result;
}

export class MqttLink {
  private readonly url: URL;
  private readonly backoff: CappedBackoff;
  private readonly statusListeners = new Set<(status: MqttLinkStatus) => void>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly messageListeners = new Set<(topic: string, payload: Buffer, retained: boolean) => void>();
  private current: MqttLinkStatus = { kind: 'idle' };
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private started = false;
  private stopping: Promise<void> | null = null;
  /** Connection attempts so far (tests: a refused login is tried exactly once). */
  attempts = 0;

  constructor(private readonly options: MqttLinkOptions) {
    this.url = parseBrokerUrl(options.url);
    if (options.clientId.trim() === '') throw new InvalidArgumentError('clientId is required');
    this.backoff = new CappedBackoff(options.backoff);
  }

  get status(): MqttLinkStatus {
    return this.current;
  }

  get connected(): boolean {
    return this.current.kind === 'connected';
  }

  /** A reconnect is waiting for its back-off (false after a refusal: nothing more is tried). */
  get reconnectScheduled(): boolean {
    return this.timer !== null;
  }

  onStatus(listener: (status: MqttLinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called after each (re)connection, once `online` is published and the subscriptions are made. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Every message of the subscriptions; `retained`: replayed by the broker, not sent just now. */
  onMessage(listener: (topic: string, payload: Buffer, retained: boolean) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.attempt();
  }

  /** Publishes at QoS 1 (default); resolves false when not connected or not acknowledged. */
  async publish(topic: string, payload: string, options: { retain: boolean; qos?: 0 | 1 }): Promise<boolean> {
    const client = this.client;
    if (!client || !this.connected) return false;
    try {
      await client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain });
      return true;
    } catch (err) {
      trace('mqtt', 'publish failed', { topic, error: err instanceof Error ? err.message : 'unknown' });
      return false;
    }
  }

  /** Publishes `offline` (retained) and disconnects; always resolves, within about `timeoutMs`. */
  stop(timeoutMs = 3000): Promise<void> {
    this.stopping ??= this.shutDown(timeoutMs);
    return this.stopping;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    this.started = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      const deadline = Date.now() + timeoutMs;
      if (client.connected) {
        const offline = client.publishAsync(this.options.availabilityTopic, 'offline', {
          qos: 1,
          retain: true,
        });
        await bounded(offline, timeoutMs / 2);
      }
      if (!(await bounded(client.endAsync(), deadline - Date.now()))) client.end(true);
    }
    this.setStatus({ kind: 'closed' });
  }

  private attempt(): void {
    this.timer = null;
    if (this.stopping) return;
    this.attempts += 1;
    if (this.current.kind !== 'connecting') this.setStatus({ kind: 'connecting', lastError: null });
    import('mqtt').then(
      ({ connect }) => {
        if (!this.stopping) this.open(connect);
      },
      (err: unknown) =>
        this.failed(
          new MqttUnreachableError(
            `cannot load MQTT.js: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ),
    );
  }

  private open(connect: typeof import('mqtt').connect): void {
    const tls = this.url.protocol === 'mqtts:';
    const client = connect(this.url.toString(), {
      clientId: this.options.clientId,
      username: this.options.username || undefined,
      password: this.options.password || undefined,
      protocolVersion: 4,
      clean: true,
      keepalive: this.options.keepaliveSeconds ?? 30,
      connectTimeout: this.options.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      reconnectOnConnackError: false,
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: this.options.availabilityTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(tls
        ? {
            rejectUnauthorized: this.options.tls?.verify !== false,
            ...(this.options.tls?.ca ? { ca: this.options.tls.ca } : {}),
          }
        : {}),
    });
    this.client = client;
    let failure: HikError | null = null;
    client.on('connect', () => void this.connectedOn(client));
    client.on('error', (err: Error) => {
      failure = classify(err);
      trace('mqtt', 'error', { code: failure.code, broker: this.url.host });
      if (isFinal(failure)) client.end(true);
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      client.end(true);
      this.failed(failure ?? new MqttUnreachableError('the MQTT broker closed the connection'));
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client !== client) return;
      for (const listener of this.messageListeners) listener(topic, payload, packet.retain);
    });
  }

  private async connectedOn(client: MqttClient): Promise<void> {
    if (this.client !== client) return;
    this.failures = 0;
    trace('mqtt', 'connected', { broker: this.url.host });
    this.setStatus({ kind: 'connected' });
    try {
      // `online` acknowledged first: Home Assistant never gets configs from a bridge it holds offline.
      await client.publishAsync(this.options.availabilityTopic, 'online', { qos: 1, retain: true });
      if (this.options.subscriptions.length > 0)
        await client.subscribeAsync([...this.options.subscriptions], { qos: 1 });
    } catch (err) {
      // Without `online` or its subscriptions the link is of no use: drop it and connect again.
      trace('mqtt', 'setup failed', { error: err instanceof Error ? err.message : 'unknown' });
      client.end(true);
      return;
    }
    if (this.client !== client) return;
    for (const listener of this.connectedListeners) listener();
  }

  private failed(error: HikError): void {
    if (this.stopping) return;
    if (isFinal(error)) {
      this.setStatus({ kind: 'refused', error });
      return;
    }
    this.setStatus({ kind: 'connecting', lastError: error });
    const delay = this.backoff.delayMs(this.failures);
    this.failures += 1;
    this.timer = setTimeout(() => this.attempt(), delay);
  }

  private setStatus(status: MqttLinkStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
