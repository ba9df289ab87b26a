/**
 * Publishes one entity per device. States set through REST do not survive an HA restart, so the
 * publisher remembers the latest state of every entity and sends them all again on `republishAll`
 * (called on every (re)connect and on `homeassistant_started`). While HA is away only the latest
 * state per entity waits: a device flapping a thousand times costs one POST when HA is back.
 */
import type { HikError } from '../errors';
import type { CappedBackoff } from './backoff';
import { DeliveryQueue } from './delivery-queue';
import type { EntityState } from './device-entity';
import type { HaRestClient } from './ha-rest-client';

/** How per-device entities reach Home Assistant (REST today; MQTT discovery could be another). */
export interface EntityPublisher {
  /** Records the latest state of an entity and sends it when possible. */
  publish(entity: EntityState): void;
  /** Sends every known entity again (HA forgot them). */
  republishAll(): void;
  /** Entities waiting to be sent. */
  readonly pending: number;
  /** Resolves when nothing waits or is in flight. */
  settled(): Promise<void>;
  close(): void;
}

export interface RestEntityPublisherOptions {
  readonly rest: HaRestClient;
  readonly isReady: () => boolean;
  readonly backoff: CappedBackoff;
  /** Most entities (devices) remembered. Default 1000. */
  readonly maxEntities?: number;
  readonly onDropped: (error: HikError | null, entity: EntityState) => void;
  readonly onFatal: (error: HikError) => void;
}

export class RestEntityPublisher implements EntityPublisher {
  private readonly latest = new Map<string, EntityState>();
  private readonly queue: DeliveryQueue<EntityState>;
  private readonly maxEntities: number;

  constructor(options: RestEntityPublisherOptions) {
    this.maxEntities = options.maxEntities ?? 1000;
    this.queue = new DeliveryQueue<EntityState>({
      maxItems: this.maxEntities,
      isReady: options.isReady,
      backoff: options.backoff,
      onDropped: options.onDropped,
      onFatal: options.onFatal,
      send: async (entity) => {
        await options.rest.postState(entity.entityId, entity.state, entity.attributes);
      },
    });
  }

  get pending(): number {
    return this.queue.size;
  }

  publish(entity: EntityState): void {
    this.latest.delete(entity.entityId);
    if (this.latest.size >= this.maxEntities) {
      const oldest = this.latest.keys().next().value as string;
      this.latest.delete(oldest);
    }
    this.latest.set(entity.entityId, entity);
    this.queue.put(entity.entityId, entity);
  }

  republishAll(): void {
    for (const entity of this.latest.values()) this.queue.put(entity.entityId, entity);
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  close(): void {
    this.queue.close();
  }
}
