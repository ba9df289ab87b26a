/**
 * What Home Assistant's MQTT discovery is told about one device (docs/protocol/mqtt.md): one Home
 * Assistant device per camera or recorder, with an activation state sensor, a problem binary
 * sensor, last and next rotation timestamps, the vault state (diagnostic), an event entity for
 * alerts and, only where the owner allowed it, Rotate now and Verify buttons. Single-component
 * topics (`<prefix>/<component>/<object_id>/config`, every Home Assistant version), long key names,
 * unique ids derived from the serial only (`hik_guard_<serial-slug>_<key>`), so a rename, redeploy
 * or restart never makes a second entity. Pure: builds topics and payloads, sends nothing. No
 * payload ever holds a password, a token or a broker credential: only the facts of a DeviceRow.
 */
import { ALARM_STATES, ALERT_TYPES, DEVICE_EVENTS, DEVICE_STATES } from '../device-vocabulary';
import type { DeviceChange } from '../monitor/activation-monitor';
import type { CredentialAction, DeviceRow } from '../fleet/fleet';
import { serialSlug } from '../homeassistant/device-entity';
import { InvalidArgumentError } from '../errors';

export type DiscoveryComponent = 'sensor' | 'binary_sensor' | 'button' | 'event';

/** Where things go on the broker, and who publishes them (the `origin` block). */
export interface DiscoveryTopics {
  /** Home Assistant's discovery prefix (its MQTT option; default `homeassistant`). */
  readonly prefix: string;
  /** Our own topics: `<base>/bridge/status`, `<base>/<slug>/state`, … Default `hik_guard`. */
  readonly base: string;
  readonly origin: { readonly name: string; readonly sw_version: string; readonly support_url: string };
}

/** A device as the fleet table shows it, plus whether its buttons are offered. */
export interface DiscoveryDevice extends DeviceRow {
  /** Rotate now / Verify are offered (the owner allowed it and a hik-credentials node rotates it). */
  readonly actions: boolean;
}

/** One retained discovery message. */
export interface EntityConfig {
  readonly component: DiscoveryComponent;
  readonly key: string;
  readonly uniqueId: string;
  readonly topic: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The press payload Home Assistant's MQTT button sends (its default). */
export const PAYLOAD_PRESS = 'PRESS';

/** Every event type the alert entity may carry: the alert types and the device events. */
export const EVENT_TYPES: readonly string[] = [...new Set<string>([...ALERT_TYPES, ...DEVICE_EVENTS])];

const ACTIONS: readonly CredentialAction[] = ['rotate', 'verify'];

/** Every entity a device can have, with its component: removal clears all of them. */
const ENTITY_KEYS: readonly { key: string; component: DiscoveryComponent }[] = [
  { key: 'activation', component: 'sensor' },
  { key: 'problem', component: 'binary_sensor' },
  { key: 'last_rotation', component: 'sensor' },
  { key: 'next_rotation', component: 'sensor' },
  { key: 'vault', component: 'sensor' },
  { key: 'findings', component: 'sensor' },
  { key: 'alert', component: 'event' },
  { key: 'rotate', component: 'button' },
  { key: 'verify', component: 'button' },
];

/** MQTT topic levels we build from settings: no wildcards, separators or control characters. */
const TOPIC_LEVELS = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export function checkDiscoveryTopics(topics: DiscoveryTopics): void {
  if (!TOPIC_LEVELS.test(topics.prefix))
    throw new InvalidArgumentError('discovery prefix may hold only letters, digits, _ , - and /');
  if (!TOPIC_LEVELS.test(topics.base))
    throw new InvalidArgumentError('base topic may hold only letters, digits, _ , - and /');
}

export function availabilityTopic(topics: DiscoveryTopics): string {
  return `${topics.base}/bridge/status`;
}

/** The device's own topics. */
export function deviceTopics(
  topics: DiscoveryTopics,
  serial: string,
): { state: string; attributes: string; event: string; command: (action: CredentialAction) => string } {
  const root = `${topics.base}/${serialSlug(serial)}`;
  return {
    state: `${root}/state`,
    attributes: `${root}/attributes`,
    event: `${root}/event`,
    command: (action) => `${root}/${action}/set`,
  };
}

/** Subscriptions: the buttons of every device (`<base>/+/+/set`) and the retained states (`<base>/+/state`). */
export function commandFilter(topics: DiscoveryTopics): string {
  return `${topics.base}/+/+/set`;
}

export function stateFilter(topics: DiscoveryTopics): string {
  return `${topics.base}/+/state`;
}

/** `<base>/<slug>/<action>/set` → slug and action, or null. */
export function parseCommandTopic(
  topics: DiscoveryTopics,
  topic: string,
): { slug: string; action: CredentialAction } | null {
  const prefix = `${topics.base}/`;
  if (!topic.startsWith(prefix)) return null;
  const [slug, action, set, ...rest] = topic.slice(prefix.length).split('/');
  if (!slug || set !== 'set' || rest.length > 0) return null;
  const known = ACTIONS.find((a) => a === action);
  return known ? { slug, action: known } : null;
}

/** `<base>/<slug>/state` → slug, or null. */
export function parseStateTopic(topics: DiscoveryTopics, topic: string): string | null {
  const prefix = `${topics.base}/`;
  if (!topic.startsWith(prefix)) return null;
  const [slug, state, ...rest] = topic.slice(prefix.length).split('/');
  return slug && slug !== 'bridge' && state === 'state' && rest.length === 0 ? slug : null;
}

export function uniqueId(serial: string, key: string): string {
  return `hik_guard_${serialSlug(serial)}_${key}`;
}

function configTopic(topics: DiscoveryTopics, component: DiscoveryComponent, id: string): string {
  return `${topics.prefix}/${component}/${id}/config`;
}

/** Every discovery topic a device can have (for removal: enabled or not, offered or not). */
export function allConfigTopics(topics: DiscoveryTopics, serial: string): string[] {
  return ENTITY_KEYS.map(({ key, component }) => configTopic(topics, component, uniqueId(serial, key)));
}

/** The same for a slug read back from the broker (a device this process no longer knows). */
export function allConfigTopicsOfSlug(topics: DiscoveryTopics, slug: string): string[] {
  return ENTITY_KEYS.map(({ key, component }) => configTopic(topics, component, `hik_guard_${slug}_${key}`));
}

/** Whether the problem sensor is ON: an alarm state (inactive, taken over, …) or a vault that needs a human. */
export function hasProblem(device: Pick<DeviceRow, 'state' | 'vaultState'>): boolean {
  return ALARM_STATES.has(device.state) || device.vaultState === 'needs_attention';
}

/** The retained state message of a device (one JSON object; each entity picks its field). */
export function statePayload(device: DeviceRow): string {
  return JSON.stringify({
    state: device.state,
    problem: hasProblem(device) ? 'ON' : 'OFF',
    last_rotation: device.lastRotation,
    next_rotation: device.nextRotation,
    vault: device.vaultState ?? 'not_enrolled',
    findings: findingsState(device),
  });
}

/** The findings sensor's value: the worst severity of the last audit, `none`, or `not_audited`. */
export const FINDINGS_STATES = ['critical', 'high', 'medium', 'low', 'info', 'none', 'not_audited'] as const;

function findingsState(device: DeviceRow): (typeof FINDINGS_STATES)[number] {
  if (!device.audit) return 'not_audited';
  return device.audit.worst ?? 'none';
}

/** The retained attributes of the activation sensor: who the device is (rarely changes). */
export function attributesPayload(device: DeviceRow): string {
  return JSON.stringify({
    serial: device.serial,
    model: device.model,
    ip: device.ip,
    firmware: device.firmware,
    mac: device.mac,
    // An `inactive` on a claim the device's known address has not confirmed yet (as the REST entity says).
    unconfirmed: device.unconfirmed,
    // Holders of its password still on an old one, e.g. "recorder channel 3 out of date" (retried).
    out_of_date: device.outOfDate.length > 0 ? `${device.outOfDate.join(', ')} out of date` : null,
  });
}

/** The event entity's message for a change that is an alert or an event, else null. */
export function eventPayload(change: DeviceChange): string | null {
  const type = change.alert ?? (change.kind === 'event' ? change.event : null);
  if (type === null || !EVENT_TYPES.includes(type)) return null;
  return JSON.stringify({
    event_type: type,
    serial: change.serial,
    name: change.name,
    ip: change.ip,
    from: change.from,
    to: change.to,
    evidence: change.evidence,
  });
}

function deviceBlock(device: DiscoveryDevice): Record<string, unknown> {
  const block: Record<string, unknown> = {
    identifiers: [`hik_guard_${device.serial}`],
    name: device.name || (device.model ? `${device.model} ${device.serial}` : device.serial),
    manufacturer: 'Hikvision',
    serial_number: device.serial,
  };
  if (device.mac) block.connections = [['mac', device.mac]];
  if (device.model) block.model = device.model;
  if (device.firmware) block.sw_version = device.firmware;
  if (device.ip)
    block.configuration_url = `http://${device.ip.includes(':') ? `[${device.ip}]` : device.ip}/`;
  return block;
}

/** The discovery messages of one device: every entity it has now (buttons only when offered). */
export function discoveryConfigs(topics: DiscoveryTopics, device: DiscoveryDevice): EntityConfig[] {
  const own = deviceTopics(topics, device.serial);
  const common = (component: DiscoveryComponent, key: string): Record<string, unknown> => ({
    unique_id: uniqueId(device.serial, key),
    default_entity_id: `${component}.${uniqueId(device.serial, key)}`,
    availability: [{ topic: availabilityTopic(topics) }],
    device: deviceBlock(device),
    origin: topics.origin,
  });
  const field = (name: string): string => `{{ value_json.${name} }}`;
  const entities: { component: DiscoveryComponent; key: string; payload: Record<string, unknown> }[] = [
    {
      component: 'sensor',
      key: 'activation',
      payload: {
        name: 'Activation',
        icon: 'mdi:cctv',
        state_topic: own.state,
        value_template: field('state'),
        device_class: 'enum',
        options: [...DEVICE_STATES],
        json_attributes_topic: own.attributes,
      },
    },
    {
      component: 'binary_sensor',
      key: 'problem',
      payload: {
        name: 'Problem',
        state_topic: own.state,
        value_template: field('problem'),
        device_class: 'problem',
      },
    },
    {
      component: 'sensor',
      key: 'last_rotation',
      payload: {
        name: 'Last password rotation',
        icon: 'mdi:key-change',
        state_topic: own.state,
        value_template: field('last_rotation'),
        device_class: 'timestamp',
      },
    },
    {
      component: 'sensor',
      key: 'next_rotation',
      payload: {
        name: 'Next password rotation',
        icon: 'mdi:calendar-clock',
        state_topic: own.state,
        value_template: field('next_rotation'),
        device_class: 'timestamp',
      },
    },
    {
      component: 'sensor',
      key: 'vault',
      payload: {
        name: 'Vault',
        icon: 'mdi:safe',
        state_topic: own.state,
        value_template: field('vault'),
        entity_category: 'diagnostic',
      },
    },
    {
      component: 'sensor',
      key: 'findings',
      payload: {
        name: 'Security findings',
        icon: 'mdi:shield-search',
        state_topic: own.state,
        value_template: field('findings'),
        device_class: 'enum',
        options: [...FINDINGS_STATES],
      },
    },
    {
      component: 'event',
      key: 'alert',
      payload: {
        name: 'Alert',
        icon: 'mdi:shield-alert',
        state_topic: own.event,
        event_types: [...EVENT_TYPES],
      },
    },
  ];
  if (device.actions) {
    entities.push(
      {
        component: 'button',
        key: 'rotate',
        payload: {
          name: 'Rotate password now',
          icon: 'mdi:key-change',
          command_topic: own.command('rotate'),
          payload_press: PAYLOAD_PRESS,
        },
      },
      {
        component: 'button',
        key: 'verify',
        payload: {
          name: 'Verify password',
          icon: 'mdi:key-chain',
          command_topic: own.command('verify'),
          payload_press: PAYLOAD_PRESS,
        },
      },
    );
  }
  return entities.map(({ component, key, payload }) => ({
    component,
    key,
    uniqueId: uniqueId(device.serial, key),
    topic: configTopic(topics, component, uniqueId(device.serial, key)),
    payload: { ...payload, ...common(component, key) },
  }));
}
