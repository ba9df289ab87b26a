/**
 * Sends alerts over the WebSocket: a custom event, a persistent notification per device (same
 * `notification_id` replaces, so repeated alerts do not stack), and optionally a `notify.*` call.
 * While HA is away, the latest notification action per device waits, and at most `maxPending`
 * items in all (oldest evicted and reported first).
 */
import type { HikError } from '../errors';
import type { CappedBackoff } from './backoff';
import { DeliveryQueue } from './delivery-queue';
import type { HaConnection } from './ha-connection';

/** How alerts reach Home Assistant. */
export interface AlertPublisher {
  /** `onDelivered` runs once Home Assistant accepted the event (not when it was dropped). */
  fireEvent(eventType: string, data: Readonly<Record<string, unknown>>, onDelivered?: () => void): void;
  /** Creates or replaces the notification with this id. */
  showNotification(notificationId: string, title: string, message: string): void;
  dismissNotification(notificationId: string): void;
  /** Calls `notify.<service>`; `key` groups calls so only the latest per key waits. */
  notify(service: string, key: string, title: string, message: string): void;
  readonly pending: number;
  settled(): Promise<void>;
  close(): void;
}

/** One WebSocket command waiting to be sent (also what `onDropped` reports). */
export interface AlertCommand {
  readonly type: 'fire_event' | 'call_service';
  readonly [field: string]: unknown;
}

export interface WebSocketAlertPublisherOptions {
  readonly connection: HaConnection;
  readonly backoff: CappedBackoff;
  /** Default 100. */
  readonly maxPending?: number;
  readonly onDropped: (error: HikError | null, command: AlertCommand) => void;
  readonly onFatal: (error: HikError) => void;
}

export class WebSocketAlertPublisher implements AlertPublisher {
  private readonly queue: DeliveryQueue<AlertCommand>;
  private eventSequence = 0;
  /** What to run once an event is accepted, by queue key. */
  private readonly delivered = new Map<string, () => void>();

  constructor(options: WebSocketAlertPublisherOptions) {
    const { connection } = options;
    this.queue = new DeliveryQueue<AlertCommand>({
      maxItems: options.maxPending ?? 100,
      isReady: () => connection.status.kind === 'connected',
      backoff: options.backoff,
      onDropped: options.onDropped,
      onFatal: options.onFatal,
      send: async (command, key) => {
        await connection.send({ ...command });
        const onDelivered = this.delivered.get(key);
        this.delivered.delete(key);
        onDelivered?.();
      },
    });
  }

  get pending(): number {
    return this.queue.size;
  }

  fireEvent(eventType: string, data: Readonly<Record<string, unknown>>, onDelivered?: () => void): void {
    this.eventSequence += 1;
    const key = `event:${this.eventSequence}`;
    if (onDelivered) this.delivered.set(key, onDelivered);
    this.queue.put(key, { type: 'fire_event', event_type: eventType, event_data: data });
  }

  showNotification(notificationId: string, title: string, message: string): void {
    this.queue.put(`notification:${notificationId}`, {
      type: 'call_service',
      domain: 'persistent_notification',
      service: 'create',
      service_data: { notification_id: notificationId, title, message },
    });
  }

  dismissNotification(notificationId: string): void {
    this.queue.put(`notification:${notificationId}`, {
      type: 'call_service',
      domain: 'persistent_notification',
      service: 'dismiss',
      service_data: { notification_id: notificationId },
    });
  }

  notify(service: string, key: string, title: string, message: string): void {
    this.queue.put(`notify:${key}`, {
      type: 'call_service',
      domain: 'notify',
      service,
      service_data: { title, message },
    });
  }

  /** Sends what waits; the link calls it on every ready. */
  drain(): void {
    this.queue.drain();
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  close(): void {
    this.queue.close();
  }
}
