/**
 * Types the Node-RED adapters share, and the typed accessor flow nodes use to reach a
 * `hik-device` config node. Nothing here reads settings or credentials at module load.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

export type HikProtocol = 'https' | 'http';

/** What the editor saves for a `hik-device` config node (any version; migrations fill the rest). */
export interface HikDeviceDef extends NodeDef {
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  username?: unknown;
  serial?: unknown;
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
