/**
 * The fleet as Home Assistant devices over MQTT discovery: one subscriber to the whole fleet
 * (lib/fleet/fleet.ts) per MQTT link. Every device the fleet lists (an open view holds it, or a
 * hik-credentials node rotates it) gets its discovery configs, its retained state and attributes;
 * each alert or event goes to its event entity (not retained: Home Assistant drops replayed ones).
 *
 * Lifecycle, as Home Assistant asks (docs/protocol/mqtt.md): on every connection the configs and
 * states are published in full; afterwards only what changed. When Home Assistant announces itself
 * (`<prefix>/status` = `online`) everything is published again, configs before states, after a
 * small random delay. A device that leaves the fleet's lists keeps its entities for `removeAfterMs`
 * (a redeploy or restart must not delete what the user arranged in Home Assistant), then its
 * configs and retained topics are emptied, which deletes its entities. Devices published by an
 * earlier run are found from their retained state topics and get the same treatment.
 *
 * Button presses (Rotate now, Verify) are judged by ButtonPresses (lib/mqtt/button-presses.ts).
 * Nothing here ever holds a password.
 */
import type { ActionResult, CredentialAction, DeviceRow } from '../fleet/fleet';
import { ButtonPresses, type ActionReport } from './button-presses';
import { HikError } from '../errors';
import type { DeviceChange } from '../monitor/activation-monitor';
import {
  allConfigTopics,
  allConfigTopicsOfSlug,
  attributesPayload,
  commandFilter,
  deviceTopics,
  discoveryConfigs,
  eventPayload,
  parseCommandTopic,
  parseStateTopic,
  stateFilter,
  statePayload,
  type DiscoveryDevice,
  type DiscoveryTopics,
} from './ha-discovery';
import { serialSlug } from '../homeassistant/device-entity';

/** What the sink reads from the fleet. */
export interface FleetFacts {
  rows(): DeviceRow[];
  isListed(serial: string): boolean;
  subscribe(listener: (change: DeviceChange) => void): () => void;
  onChange(listener: () => void): () => void;
}

/** What the sink needs of the MQTT link (lib/mqtt/mqtt-link.ts). */
export interface MqttPublisher {
  readonly connected: boolean;
  publish(topic: string, payload: string, options: { retain: boolean; qos?: 0 | 1 }): Promise<boolean>;
  onConnected(listener: () => void): () => void;
  onMessage(listener: (topic: string, payload: Buffer, retained: boolean) => void): () => void;
}

export type { ActionRefusal, ActionReport } from './button-presses';

export interface HomeAssistantMqttSinkOptions {
  link: MqttPublisher;
  fleet: FleetFacts;
  topics: DiscoveryTopics;
  /** The owner allowed Rotate now / Verify from Home Assistant for this device. */
  actionsAllowed: (serial: string) => boolean;
  /** Asks the device's rotation owner to act (fleet.act): all its protections apply. */
  act: (serial: string, action: CredentialAction) => Promise<ActionResult>;
  onAction?: ((report: ActionReport) => void) | undefined;
  /** Entities of a device gone from the fleet's lists are deleted after this long. Default 300 s. */
  removeAfterMs?: number | undefined;
  /** Delay before answering Home Assistant's birth message, drawn in [min, max]. Default 1–5 s. */
  birthDelayMs?: { min: number; max: number } | undefined;
  random?: (() => number) | undefined;
}

interface Published {
  configs: Map<string, string>;
  state: string;
  attributes: string;
}

export class HomeAssistantMqttSink {
  /** What this connection has published, by serial (reset on every connection). */
  private readonly published = new Map<string, Published>();
  /** Slugs published by this process or found on the broker: candidates for removal. */
  private readonly known = new Set<string>();
  private readonly leaving = new Map<string, NodeJS.Timeout>();
  private readonly presses: ButtonPresses;
  private readonly unsubscribe: (() => void)[] = [];
  private birthTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /** The subscriptions this sink needs on its link. */
  static subscriptions(topics: DiscoveryTopics): string[] {
    return [`${topics.prefix}/status`, commandFilter(topics), stateFilter(topics)];
  }

  constructor(private readonly options: HomeAssistantMqttSinkOptions) {
    const { link, fleet } = options;
    this.presses = new ButtonPresses({
      devices: () => this.devices(),
      actionsAllowed: options.actionsAllowed,
      act: options.act,
      onAction: options.onAction,
    });
    this.unsubscribe.push(
      link.onConnected(() => this.publishAll('connect')),
      link.onMessage((topic, payload, retained) => this.received(topic, payload, retained)),
      fleet.subscribe((change) => this.changed(change)),
      fleet.onChange(() => this.sync()),
    );
    if (link.connected) this.publishAll('connect');
  }

  /** Stops listening; timers cleared. The link's own stop says `offline`. */
  close(): void {
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
    if (this.birthTimer) clearTimeout(this.birthTimer);
    this.birthTimer = null;
  }

  /** The devices published now, with whether their buttons are offered. */
  devices(): DiscoveryDevice[] {
    const bySlug = new Map<string, DiscoveryDevice>();
    for (const row of this.options.fleet.rows()) {
      if (!this.options.fleet.isListed(row.serial)) continue;
      const slug = slugOf(row.serial);
      // Two serials with one slug would share entities: the first (sorted) keeps them.
      if (slug === null || bySlug.has(slug)) continue;
      const actions = row.rotationOwner !== null && this.options.actionsAllowed(row.serial);
      bySlug.set(slug, { ...row, actions });
    }
    return [...bySlug.values()];
  }

  // ---- fleet -----------------------------------------------------------------------------------

  private changed(change: DeviceChange): void {
    this.sync();
    const payload = eventPayload(change);
    if (payload === null || this.closed || !this.options.link.connected) return;
    if (!this.published.has(change.serial)) return;
    void this.options.link.publish(deviceTopics(this.options.topics, change.serial).event, payload, {
      retain: false,
    });
  }

  /** Publishes what changed, and schedules the removal of devices no longer listed. */
  private sync(): void {
    if (this.closed) return;
    const devices = this.devices();
    const current = new Set<string>();
    for (const device of devices) {
      const slug = serialSlug(device.serial);
      current.add(slug);
      this.stay(slug);
      if (this.options.link.connected) this.publishDevice(device, false);
    }
    for (const slug of this.known) if (!current.has(slug)) this.leave(slug);
  }

  private publishAll(reason: 'connect' | 'birth'): void {
    if (this.closed || !this.options.link.connected) return;
    if (reason === 'connect') this.published.clear();
    const devices = this.devices();
    if (reason === 'connect') {
      for (const device of devices) this.publishDevice(device, true);
    } else {
      // Home Assistant asked: every config first, then every state.
      for (const device of devices) this.publishConfigs(device, true);
      for (const device of devices) this.publishStates(device, true);
    }
    this.sync();
  }

  private publishDevice(device: DiscoveryDevice, full: boolean): void {
    this.publishConfigs(device, full);
    this.publishStates(device, full);
  }

  private publishConfigs(device: DiscoveryDevice, full: boolean): void {
    const link = this.options.link;
    const before = this.published.get(device.serial);
    const wanted = new Map(
      discoveryConfigs(this.options.topics, device).map((c) => [c.topic, JSON.stringify(c.payload)]),
    );
    // On a full publish every topic the device could have is settled: one not offered any more
    // (buttons withdrawn while this process was down) is emptied.
    const had = full
      ? allConfigTopics(this.options.topics, device.serial)
      : [...(before?.configs.keys() ?? [])];
    for (const topic of had) if (!wanted.has(topic)) void link.publish(topic, '', { retain: true });
    for (const [topic, text] of wanted)
      if (full || before?.configs.get(topic) !== text) void link.publish(topic, text, { retain: true });
    this.known.add(serialSlug(device.serial));
    this.record(device.serial).configs = wanted;
  }

  private publishStates(device: DiscoveryDevice, full: boolean): void {
    const link = this.options.link;
    const own = deviceTopics(this.options.topics, device.serial);
    const entry = this.record(device.serial);
    const state = statePayload(device);
    const attributes = attributesPayload(device);
    if (full || entry.attributes !== attributes)
      void link.publish(own.attributes, attributes, { retain: true });
    if (full || entry.state !== state) void link.publish(own.state, state, { retain: true });
    entry.state = state;
    entry.attributes = attributes;
  }

  private record(serial: string): Published {
    let entry = this.published.get(serial);
    if (!entry) this.published.set(serial, (entry = { configs: new Map(), state: '', attributes: '' }));
    return entry;
  }

  // ---- removal ---------------------------------------------------------------------------------

  private stay(slug: string): void {
    const timer = this.leaving.get(slug);
    if (timer) clearTimeout(timer);
    this.leaving.delete(slug);
  }

  private leave(slug: string): void {
    if (this.leaving.has(slug) || this.closed) return;
    const timer = setTimeout(() => {
      this.leaving.delete(slug);
      this.remove(slug);
    }, this.options.removeAfterMs ?? 300_000);
    this.leaving.set(slug, timer);
  }

  /**
   * Deletes every entity this sink published or found on the broker (the configuration was
   * deleted). Only while connected; the link's stop then says `offline`.
   */
  removeAll(): void {
    if (this.closed || !this.options.link.connected) return;
    const slugs = new Set([...this.known, ...this.devices().map((d) => serialSlug(d.serial))]);
    for (const slug of slugs) this.clear(slug);
  }

  private remove(slug: string): void {
    if (this.closed || !this.options.link.connected) return; // still known: tried again after the next connect
    if (this.devices().some((d) => serialSlug(d.serial) === slug)) return;
    this.clear(slug);
  }

  /** Empties the device's retained configs (Home Assistant deletes its entities) and topics. */
  private clear(slug: string): void {
    const link = this.options.link;
    for (const topic of allConfigTopicsOfSlug(this.options.topics, slug))
      void link.publish(topic, '', { retain: true });
    const root = `${this.options.topics.base}/${slug}`;
    void link.publish(`${root}/attributes`, '', { retain: true });
    void link.publish(`${root}/state`, '', { retain: true });
    this.known.delete(slug);
    for (const serial of this.published.keys()) if (slugOf(serial) === slug) this.published.delete(serial);
  }

  // ---- messages --------------------------------------------------------------------------------

  private received(topic: string, payload: Buffer, retained: boolean): void {
    if (this.closed) return;
    const topics = this.options.topics;
    if (topic === `${topics.prefix}/status`) {
      // A retained `online` is an old birth: this connection has just published everything.
      if (!retained && payload.toString() === 'online') this.birth();
      return;
    }
    const stateOf = parseStateTopic(topics, topic);
    if (stateOf !== null) {
      // A device an earlier run published: removed later unless the fleet lists it again.
      if (retained && payload.length > 0 && !this.known.has(stateOf)) {
        this.known.add(stateOf);
        this.sync();
      }
      return;
    }
    const command = parseCommandTopic(topics, topic);
    if (command) this.presses.press(command.slug, command.action, payload, retained);
  }

  private birth(): void {
    if (this.birthTimer) return;
    const { min, max } = this.options.birthDelayMs ?? { min: 1000, max: 5000 };
    const delay = min + Math.round((this.options.random ?? Math.random)() * Math.max(0, max - min));
    this.birthTimer = setTimeout(() => {
      this.birthTimer = null;
      this.publishAll('birth');
    }, delay);
  }
}

function slugOf(serial: string): string | null {
  try {
    return serialSlug(serial);
  } catch (err) {
    if (HikError.isHikError(err)) return null; // no letter or digit: nothing Home Assistant can name
    throw err;
  }
}
