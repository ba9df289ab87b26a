/**
 * One Home Assistant link (one per `hik-homeassistant` config node): a TLS-configured undici
 * Agent shared by the WebSocket and REST, the connection, both publishers and the facade the
 * rest of hik guard uses. Status changes and delivery problems are reported to listeners; the
 * token never leaves this object.
 */
import type { Agent } from 'undici';
import { InvalidArgumentError, type HikError } from '../errors';
import { undici } from '../heavy-dependencies';
import { WebSocketAlertPublisher, type AlertCommand } from './alert-publisher';
import { CappedBackoff, type BackoffOptions } from './backoff';
import type { EntityState } from './device-entity';
import { RestEntityPublisher } from './entity-publisher';
import { HaConnection, type HaConnectionStatus } from './ha-connection';
import { parseHaEndpoint } from './ha-endpoint';
import { HaConfigEntryFlows } from './config-entry-flows';
import { HaRestClient } from './ha-rest-client';
import { HikGuardAlerts, type AlertFormatter } from './hik-guard-alerts';

export interface HaLinkOptions {
  /** Home Assistant base URL, `http(s)://host:port[/path]`. */
  readonly url: string;
  /** Long-lived access token of an administrator. */
  readonly token: string;
  /** TLS: verification is on unless `verify: false`; `ca` (PEM) trusts a private CA. */
  readonly tls?: { readonly verify?: boolean; readonly ca?: string | null };
  readonly describe: AlertFormatter;
  readonly notifications?: boolean;
  readonly notifyService?: string | null;
  /** Handshake plus auth limit, ms. Default 20000. */
  readonly handshakeTimeoutMs?: number;
  /** Limit for one command or REST request, ms. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Reconnect and retry back-off. Default 1 s doubling up to 60 s. */
  readonly backoff?: BackoffOptions;
  readonly maxEntities?: number;
  readonly maxPendingAlerts?: number;
}

/** Something could not be delivered: an entity or alert command, and why (null = evicted). */
export interface HaDeliveryProblem {
  readonly error: HikError | null;
  readonly entity?: EntityState;
  readonly command?: AlertCommand;
}

export type HaLinkListener = (status: HaConnectionStatus) => void;

const NOTIFY_SERVICE = /^[a-z0-9_]+$/;

export class HaLink {
  readonly alerts: HikGuardAlerts;
  private readonly agent: Agent;
  private readonly connection: HaConnection;
  private readonly rest: HaRestClient;
  private readonly entities: RestEntityPublisher;
  private readonly alertPublisher: WebSocketAlertPublisher;
  private readonly problemListeners = new Set<(problem: HaDeliveryProblem) => void>();

  constructor(options: HaLinkOptions) {
    const endpoint = parseHaEndpoint(options.url);
    if (options.token.trim() === '') throw new InvalidArgumentError('token is required');
    if (options.notifyService && !NOTIFY_SERVICE.test(options.notifyService)) {
      throw new InvalidArgumentError('notifyService must be a service name such as mobile_app_phone');
    }
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const backoff = new CappedBackoff(options.backoff);
    this.agent = new (undici().Agent)({
      connect: {
        rejectUnauthorized: options.tls?.verify !== false,
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
      },
    });
    this.connection = new HaConnection({
      wsUrl: endpoint.wsUrl,
      token: options.token,
      dispatcher: this.agent,
      backoff,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 20_000,
      commandTimeoutMs: requestTimeoutMs,
    });
    const onFatal = (error: HikError): void => this.failAuth(error);
    this.rest = new HaRestClient({
      baseUrl: endpoint.baseUrl,
      token: options.token,
      dispatcher: this.agent,
      requestTimeoutMs,
    });
    this.entities = new RestEntityPublisher({
      rest: this.rest,
      isReady: () => this.connection.status.kind === 'connected',
      backoff,
      maxEntities: options.maxEntities,
      onFatal,
      onDropped: (error, entity) => this.report({ error, entity }),
    });
    this.alertPublisher = new WebSocketAlertPublisher({
      connection: this.connection,
      backoff,
      maxPending: options.maxPendingAlerts,
      onFatal,
      onDropped: (error, command) => this.report({ error, command }),
    });
    this.alerts = new HikGuardAlerts({
      entities: this.entities,
      alerts: this.alertPublisher,
      describe: options.describe,
      notifications: options.notifications,
      notifyService: options.notifyService,
    });
    this.connection.on('ready', () => {
      this.alertPublisher.drain();
      this.entities.republishAll();
    });
    this.connection.on('started', () => this.entities.republishAll());
  }

  /**
   * Config entries and their flows over this link (needs the link connected as an administrator):
   * how a Home Assistant integration holding a camera password gets the new one.
   */
  configEntryFlows(consumerId: string): HaConfigEntryFlows {
    return new HaConfigEntryFlows({
      rest: this.rest,
      command: (message) => this.connection.send(message),
      consumerId,
    });
  }

  get status(): HaConnectionStatus {
    return this.connection.status;
  }

  /** Entity states and alert commands waiting for Home Assistant. */
  get pending(): { readonly entities: number; readonly alerts: number } {
    return { entities: this.entities.pending, alerts: this.alertPublisher.pending };
  }

  onStatus(listener: HaLinkListener): () => void {
    return this.connection.on('status', listener);
  }

  onProblem(listener: (problem: HaDeliveryProblem) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  start(): void {
    this.connection.start();
  }

  /** Closes the socket and the HTTP agent; always resolves, within about `timeoutMs`. */
  async stop(timeoutMs = 3000): Promise<void> {
    this.entities.close();
    this.alertPublisher.close();
    await this.connection.close(timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    // close() waits for requests in flight; destroy() ends them when that takes too long.
    const graceful = this.agent.close().then(
      () => true,
      () => false,
    );
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const clean = await Promise.race([graceful, deadline]);
    clearTimeout(timer);
    // destroy() only rejects when the agent is already destroyed, which is the goal.
    if (!clean) await this.agent.destroy().catch(() => undefined);
  }

  /** A REST 401 ends the link like an invalid WebSocket token: no request is sent again. */
  private failAuth(error: HikError): void {
    this.entities.close();
    this.alertPublisher.close();
    this.connection.fail(error);
  }

  private report(problem: HaDeliveryProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }
}
