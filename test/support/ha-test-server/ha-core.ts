/**
 * The in-memory Home Assistant core behind the test server: run state, the state machine
 * (REST-set states, forgotten on restart like the real ones), the event bus, services
 * (persistent_notification, notify.*) and a record of everything the client caused.
 */
import { randomUUID } from 'node:crypto';
import { ConfigEntries, type ConfigEntriesOptions } from './config-entries';

export type CoreState = 'NOT_RUNNING' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'FINAL_WRITE';

export interface Context {
  readonly id: string;
  readonly parent_id: null;
  readonly user_id: string | null;
}

export interface StateObject {
  readonly entity_id: string;
  readonly state: string;
  readonly attributes: Record<string, unknown>;
  readonly last_changed: string;
  readonly last_updated: string;
  readonly context: Context;
}

export interface FiredEvent {
  readonly event_type: string;
  readonly data: Record<string, unknown>;
  readonly origin: 'LOCAL' | 'REMOTE';
  readonly time_fired: string;
  readonly context: Context;
}

export interface ServiceCall {
  readonly domain: string;
  readonly service: string;
  readonly data: Record<string, unknown>;
}

export interface Notification {
  readonly title: string | null;
  readonly message: string;
}

/** A service failed the way HA reports it over the WebSocket (`error.code`, `error.message`). */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// homeassistant/core.py VALID_ENTITY_ID; states are at most 255 characters.
const VALID_ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;
export const MAX_STATE_LENGTH = 255;

export function isValidEntityId(entityId: string): boolean {
  return VALID_ENTITY_ID.test(entityId);
}

export function newContext(userId: string | null): Context {
  return { id: randomUUID().replace(/-/g, ''), parent_id: null, user_id: userId };
}

export class HaCore {
  state: CoreState = 'RUNNING';
  readonly states = new Map<string, StateObject>();
  readonly notifications = new Map<string, Notification>();
  readonly firedEvents: FiredEvent[] = [];
  readonly serviceCalls: ServiceCall[] = [];
  /** Config entries and flows persist in .storage, so they survive a restart. */
  readonly configEntries: ConfigEntries;
  private readonly listeners = new Set<(event: FiredEvent) => void>();

  constructor(
    readonly version: string,
    private readonly notifyServices: readonly string[],
    configEntries: ConfigEntriesOptions,
  ) {
    this.configEntries = new ConfigEntries(configEntries);
  }

  onEvent(listener: (event: FiredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(
    eventType: string,
    data: Record<string, unknown>,
    origin: 'LOCAL' | 'REMOTE',
    userId: string | null,
  ): FiredEvent {
    const event: FiredEvent = {
      event_type: eventType,
      data,
      origin,
      time_fired: new Date().toISOString(),
      context: newContext(userId),
    };
    if (origin === 'REMOTE') this.firedEvents.push(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** hass.states.async_set: true when the entity is new. */
  setState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown>,
    userId: string | null,
  ): boolean {
    const old = this.states.get(entityId);
    const now = new Date().toISOString();
    const changed = !old || old.state !== state;
    const next: StateObject = {
      entity_id: entityId,
      state,
      attributes,
      last_changed: changed ? now : old.last_changed,
      last_updated: now,
      context: newContext(userId),
    };
    this.states.set(entityId, next);
    this.fire(
      'state_changed',
      { entity_id: entityId, old_state: old ?? null, new_state: next },
      'LOCAL',
      userId,
    );
    return !old;
  }

  hasService(domain: string, service: string): boolean {
    if (domain === 'persistent_notification') return service === 'create' || service === 'dismiss';
    return domain === 'notify' && this.notifyServices.includes(service);
  }

  callService(domain: string, service: string, data: Record<string, unknown>): void {
    if (!this.hasService(domain, service)) {
      throw new ServiceError('not_found', `Service ${domain}.${service} not found.`);
    }
    const text = (key: string, required: boolean): string | null => {
      const value = data[key];
      if (value === undefined) {
        if (required) throw new ServiceError('invalid_format', `required key not provided @ data['${key}']`);
        return null;
      }
      if (typeof value !== 'string')
        throw new ServiceError('invalid_format', `expected str for dictionary value @ data['${key}']`);
      return value;
    };
    if (domain === 'persistent_notification' && service === 'create') {
      const message = text('message', true) ?? '';
      const title = text('title', false);
      const id = text('notification_id', false) ?? randomUUID();
      this.notifications.set(id, { title, message });
    } else if (domain === 'persistent_notification') {
      this.notifications.delete(text('notification_id', true) ?? '');
    } else {
      text('message', true);
      text('title', false);
    }
    this.serviceCalls.push({ domain, service, data });
  }

  /** What a restart loses: states set over REST and notifications live only in memory. */
  forgetRuntimeState(): void {
    this.states.clear();
    this.notifications.clear();
  }
}
