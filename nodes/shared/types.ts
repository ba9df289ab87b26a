/**
 * Types the Node-RED adapters share, and the typed accessor flow nodes use to reach a
 * `hik-device` config node. Nothing here reads settings or credentials at module load.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { HaIntegrationDomain, HaIntegrationLink } from '../../lib/consumers/ha-integration-consumer';
import type { HikGuardAlerts } from '../../lib/homeassistant/hik-guard-alerts';

export type HikProtocol = 'https' | 'http';

/** What the editor saves for a `hik-device` config node (any version; migrations fill the rest). */
export interface HikDeviceDef extends NodeDef {
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  username?: unknown;
  serial?: unknown;
  allowHttpPasswordChange?: unknown;
  consumers?: unknown;
  keepOnvifUsersInStep?: unknown;
  streamingAccount?: unknown;
  version?: unknown;
}

/** Credentials of a `hik-device`: only the enrolment password (the vault holds it afterwards). */
export interface HikDeviceCredentials {
  password?: string;
}

/** The validated, immutable settings of one device. Never holds a password. */
export interface HikDeviceSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: HikProtocol;
  readonly username: string;
  /** Device serial once discovery has filled it in; null before. */
  readonly serial: string | null;
  /** Opt-in: a password may be changed over plain HTTP (the new one crosses the LAN in clear). */
  readonly allowHttpPasswordChange: boolean;
  /** Holders of the device's password that hik guard updates after each change (go2rtc, Frigate…). */
  readonly consumers: readonly DeviceConsumerRef[];
  /** ONVIF users named like the rotated account get its new password too (default on). */
  readonly keepOnvifUsersInStep: boolean;
  /** Opt-in: create the dedicated streaming account once the device is enrolled. */
  readonly streamingAccount: boolean;
}

/** The kinds of holder a `hik-device` can list, each with its own config node type. */
export const DEVICE_CONSUMER_TYPES = ['go2rtc', 'frigate', 'homeassistant'] as const;
export type DeviceConsumerType = (typeof DEVICE_CONSUMER_TYPES)[number];

/** One holder of a device's password, as the `hik-device` dialog lists it. */
export type DeviceConsumerRef = ConfigConsumerRef | HomeAssistantConsumerRef;

interface ConsumerRefBase {
  /** Id of the config node with its connection settings (`hik-go2rtc`, `hik-frigate`, `hik-homeassistant`). */
  readonly config: string;
  /** The device account it logs in with: the rotated admin, or the streaming account. */
  readonly account: 'admin' | 'streaming';
}

/** A holder its config node says everything about (go2rtc, Frigate). */
export interface ConfigConsumerRef extends ConsumerRefBase {
  readonly type: Exclude<DeviceConsumerType, 'homeassistant'>;
}

/** A Home Assistant integration entry holding the password, reached over a `hik-homeassistant`. */
export interface HomeAssistantConsumerRef extends ConsumerRefBase {
  readonly type: 'homeassistant';
  readonly domain: HaIntegrationDomain;
  /** The config entry's id, or its title as Home Assistant shows it. */
  readonly entry: string;
}

/** A running `hik-device` config node as flow nodes see it. */
export interface HikDeviceNode extends Node<HikDeviceCredentials> {
  /** The validated settings, or null when the configuration is unusable (a warning was logged). */
  readonly deviceSettings: HikDeviceSettings | null;
  /** The password typed in the editor for enrolment, if any. Never log it. */
  enrolmentPassword(): string | undefined;
}

export const HIK_DEVICE_TYPE = 'hik-device';

/**
 * The `hik-device` config node with this id, or null when it is missing (not deployed, deleted,
 * disabled) or is some other type. Flow nodes show a red ring on null; they never throw.
 */
export function getHikDevice(RED: NodeAPI, id: unknown): HikDeviceNode | null {
  if (typeof id !== 'string' || id === '') return null;
  const node = RED.nodes.getNode(id) as Node | null | undefined;
  if (!node || node.type !== HIK_DEVICE_TYPE) return null;
  return node as HikDeviceNode;
}

// ---- hik-homeassistant ------------------------------------------------------------------------

/** What the editor saves for a `hik-homeassistant` config node (any version). */
export interface HikHomeAssistantDef extends NodeDef {
  url?: unknown;
  verifyTls?: unknown;
  ca?: unknown;
  notifications?: unknown;
  notifyService?: unknown;
  version?: unknown;
}

/** Credentials of a `hik-homeassistant`: the long-lived access token. Never log it. */
export interface HikHomeAssistantCredentials {
  token?: string;
}

/** A running `hik-homeassistant` config node as flow nodes see it. */
export interface HikHomeAssistantNode extends Node<HikHomeAssistantCredentials> {
  /**
   * Registers `user` for connection status and returns the alerts facade of the shared link
   * (connecting on the first user), or null when the configuration is unusable (red ring set).
   */
  acquire(user: Node): HikGuardAlerts | null;
  /** Call from the user's close handler; with `removed` the last user out closes the link. */
  release(user: Node, removed: boolean): Promise<void>;
  /**
   * Registers `holder` (without touching its status) and returns the shared link for config-entry
   * flows, connecting it on the first user; null when the configuration is unusable. Release
   * with `release`.
   */
  configEntryLink(holder: Node): HaIntegrationLink | null;
}

export const HIK_HOMEASSISTANT_TYPE = 'hik-homeassistant';

/** The `hik-homeassistant` config node with this id, or null (missing, disabled, other type). */
export function getHikHomeAssistant(RED: NodeAPI, id: unknown): HikHomeAssistantNode | null {
  if (typeof id !== 'string' || id === '') return null;
  const node = RED.nodes.getNode(id) as Node | null | undefined;
  if (!node || node.type !== HIK_HOMEASSISTANT_TYPE) return null;
  return node as HikHomeAssistantNode;
}

// ---- hik-mqtt ---------------------------------------------------------------------------------

/** Credentials of a `hik-mqtt`: the broker login. Never log them. */
export interface HikMqttCredentials {
  user?: string;
  password?: string;
}

/** A running `hik-mqtt` config node as flow nodes see it (Node-RED's MQTT broker node pattern). */
export interface HikMqttNode extends Node<HikMqttCredentials> {
  /**
   * Registers `user`: the first user connects the link, which then publishes the runtime's fleet
   * to the broker. Returns false when the configuration is unusable (red ring set on the user).
   */
  acquire(user: Node): boolean;
  /** Call from the user's close handler; with `removed` the last user out disconnects. */
  release(user: Node, removed: boolean): Promise<void>;
}

export const HIK_MQTT_TYPE = 'hik-mqtt';

/** The `hik-mqtt` config node with this id, or null (missing, disabled, other type). */
export function getHikMqtt(RED: NodeAPI, id: unknown): HikMqttNode | null {
  if (typeof id !== 'string' || id === '') return null;
  const node = RED.nodes.getNode(id) as Node | null | undefined;
  if (!node || node.type !== HIK_MQTT_TYPE) return null;
  return node as HikMqttNode;
}

// ---- hik-go2rtc -------------------------------------------------------------------------------

export const HIK_GO2RTC_TYPE = 'hik-go2rtc';

/** Credentials of a `hik-go2rtc`: go2rtc's API user, when its API asks for one. Never log them. */
export interface HikGo2rtcCredentials {
  username?: string;
  password?: string;
}

/** The validated settings of one go2rtc. */
export interface HikGo2rtcSettings {
  readonly name: string;
  /** `http://127.0.0.1:1984` (with go2rtc's `api.base_path`, include it). */
  readonly url: string;
}

/** A running `hik-go2rtc` config node as other nodes see it. */
export interface HikGo2rtcNode extends Node<HikGo2rtcCredentials> {
  /** The validated settings, or null when the configuration is unusable (a warning was logged). */
  readonly go2rtcSettings: HikGo2rtcSettings | null;
  /** go2rtc's API user, or undefined when none is set. Never log it. */
  apiUser(): { username: string; password: string } | undefined;
}

/** The `hik-go2rtc` config node with this id, or null when missing or of another type. */
export function getHikGo2rtc(RED: NodeAPI, id: unknown): HikGo2rtcNode | null {
  if (typeof id !== 'string' || id === '') return null;
  const node = RED.nodes.getNode(id) as Node | null | undefined;
  if (!node || node.type !== HIK_GO2RTC_TYPE) return null;
  return node as HikGo2rtcNode;
}

// ---- hik-frigate ------------------------------------------------------------------------------

export const HIK_FRIGATE_TYPE = 'hik-frigate';

/** Credentials of a `hik-frigate`: a Frigate admin user, for the authenticated port. Never log them. */
export interface HikFrigateCredentials {
  username?: string;
  password?: string;
}

/** The validated settings of one Frigate. */
export interface HikFrigateSettings {
  readonly name: string;
  /** `http://frigate:5000` (internal port, no login) or `https://frigate:8971` (with a user). */
  readonly url: string;
  /** Check Frigate's certificate on https (its own is self-signed: turn off, or use port 5000). */
  readonly verifyTls: boolean;
  /** Opt-in: restart Frigate after saving a new password so its cameras use it at once. */
  readonly restartAfterUpdate: boolean;
}

/** A running `hik-frigate` config node as other nodes see it. */
export interface HikFrigateNode extends Node<HikFrigateCredentials> {
  /** The validated settings, or null when the configuration is unusable (a warning was logged). */
  readonly frigateSettings: HikFrigateSettings | null;
  /** The Frigate admin user, or undefined when none is set. Never log it. */
  login(): { user: string; password: string } | undefined;
}

/** The `hik-frigate` config node with this id, or null when missing or of another type. */
export function getHikFrigate(RED: NodeAPI, id: unknown): HikFrigateNode | null {
  if (typeof id !== 'string' || id === '') return null;
  const node = RED.nodes.getNode(id) as Node | null | undefined;
  if (!node || node.type !== HIK_FRIGATE_TYPE) return null;
  return node as HikFrigateNode;
}
