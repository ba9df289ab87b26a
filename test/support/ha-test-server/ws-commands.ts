/**
 * The WebSocket commands the product uses, as core's websocket_api/commands.py answers them:
 * supported_features, ping, get_config, auth/current_user, subscribe_events / unsubscribe_events
 * (non-admins only for the allow-listed event types), fire_event (admin), call_service.
 */
import { newContext, ServiceError } from './ha-core';
import type { WsSession } from './ws-session';

type Message = Record<string, unknown>;

// websocket_api/permissions.py SUBSCRIBE_ALLOWLIST (subset that matters here).
const SUBSCRIBE_ALLOWLIST = new Set([
  'state_changed',
  'homeassistant_started',
  'homeassistant_stop',
  'component_loaded',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireAdmin(session: WsSession, id: number): boolean {
  if (session.user?.isAdmin) return true;
  session.error(id, 'unauthorized', 'Unauthorized');
  return false;
}

export function handleCommand(session: WsSession, id: number, type: string, message: Message): void {
  const { core } = session.host;
  const userId = session.user?.userId ?? null;
  switch (type) {
    case 'supported_features': {
      const features = isObject(message.features) ? message.features : {};
      session.canCoalesce = features.coalesce_messages === 1;
      session.result(id, null);
      return;
    }
    case 'ping':
      session.send({ id, type: 'pong' });
      return;
    case 'get_config':
      session.result(id, {
        version: core.version,
        state: core.state,
        components: ['api', 'http', 'persistent_notification', 'websocket_api'],
        location_name: 'Home',
        time_zone: 'UTC',
        config_dir: '/config',
      });
      return;
    case 'auth/current_user':
      session.result(id, {
        id: userId,
        name: session.user?.userName ?? null,
        is_owner: false,
        is_admin: session.user?.isAdmin === true,
        credentials: [],
        mfa_modules: [],
      });
      return;
    case 'subscribe_events': {
      const eventType = message.event_type;
      if (eventType !== undefined && typeof eventType !== 'string') {
        session.error(id, 'invalid_format', "expected str for dictionary value @ data['event_type']");
        return;
      }
      if (!session.user?.isAdmin && (eventType === undefined || !SUBSCRIBE_ALLOWLIST.has(eventType))) {
        session.error(id, 'unauthorized', 'Unauthorized');
        return;
      }
      const unsubscribe = core.onEvent((event) => {
        if (eventType === undefined || event.event_type === eventType)
          session.send({ id, type: 'event', event });
      });
      session.subscriptions.set(id, unsubscribe);
      session.result(id, null);
      return;
    }
    case 'unsubscribe_events': {
      const subscription = message.subscription;
      const unsubscribe =
        typeof subscription === 'number' ? session.subscriptions.get(subscription) : undefined;
      if (!unsubscribe || typeof subscription !== 'number') {
        session.error(id, 'not_found', 'Subscription not found.');
        return;
      }
      unsubscribe();
      session.subscriptions.delete(subscription);
      session.result(id, null);
      return;
    }
    case 'fire_event': {
      if (!requireAdmin(session, id)) return;
      const data = message.event_data ?? {};
      if (typeof message.event_type !== 'string' || !isObject(data)) {
        session.error(id, 'invalid_format', "expected dict for dictionary value @ data['event_data']");
        return;
      }
      const event = core.fire(message.event_type, data, 'REMOTE', userId);
      session.result(id, { context: event.context });
      return;
    }
    case 'call_service': {
      const { domain, service } = message;
      const data = message.service_data ?? {};
      if (typeof domain !== 'string' || typeof service !== 'string' || !isObject(data)) {
        session.error(id, 'invalid_format', "expected str for dictionary value @ data['domain']");
        return;
      }
      try {
        core.callService(domain, service, data);
      } catch (err: unknown) {
        if (!(err instanceof ServiceError)) throw err;
        session.error(id, err.code, err.message);
        return;
      }
      session.result(id, { context: newContext(userId), response: null });
      return;
    }
    case 'config_entries/flow/progress':
      if (!requireAdmin(session, id)) return;
      session.result(id, core.configEntries.progress());
      return;
    case 'config_entries/flow/subscribe': {
      if (!requireAdmin(session, id)) return;
      // The current flows first (type null), then each added or removed one (config/config_entries.py).
      session.result(id, null);
      const current = core.configEntries.progress().map((flow) => ({
        type: null,
        flow_id: (flow as { flow_id: string }).flow_id,
        flow,
      }));
      session.send({ id, type: 'event', event: current });
      const unsubscribe = core.configEntries.onFlowChange((change) => {
        session.send({ id, type: 'event', event: [change] });
      });
      session.subscriptions.set(id, unsubscribe);
      return;
    }
    default:
      session.error(id, 'unknown_command', 'Unknown command.');
  }
}
