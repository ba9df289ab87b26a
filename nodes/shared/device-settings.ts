/**
 * Reads a migrated `hik-device` config into validated settings. Pure, no Node-RED: the node
 * turns a problem into one translated warning, the editor repeats the same rules in its
 * validators (hik-device.html).
 */
import { isIP } from 'node:net';
import {
  HA_INTEGRATION_DOMAINS,
  type HaIntegrationDomain,
} from '../../lib/consumers/ha-integration-consumer';
import {
  DEVICE_CONSUMER_TYPES,
  type DeviceConsumerRef,
  type DeviceConsumerType,
  type HikDeviceSettings,
  type HikProtocol,
} from './types';
import type { NodeConfig } from './migrations';

/** The field that made a config unusable; also the catalog key `hik-device.validation.<field>`. */
export type DeviceConfigProblem = 'host' | 'port' | 'protocol' | 'username' | 'serial' | 'consumers';

export type DeviceSettingsResult =
  | { readonly ok: true; readonly settings: HikDeviceSettings }
  | { readonly ok: false; readonly problem: DeviceConfigProblem };

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const SERIAL = /^[\x21-\x7e]{1,64}$/;
/** A Home Assistant entry id is 26 characters; a title is a short name. */
const MAX_ENTRY_LENGTH = 200;

export function isValidHost(value: unknown): value is string {
  return typeof value === 'string' && (isIP(value) !== 0 || HOSTNAME.test(value));
}

export function parsePort(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

function isProtocol(value: unknown): value is HikProtocol {
  return value === 'https' || value === 'http';
}

function isValidUsername(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= 64 && !CONTROL.test(value);
}

/** null when not known yet (empty), undefined when unusable. */
function readSerial(value: unknown): string | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' && SERIAL.test(value) ? value : undefined;
}

export function readDeviceSettings(config: NodeConfig): DeviceSettingsResult {
  const { host, protocol, username } = config;
  if (!isValidHost(host)) return { ok: false, problem: 'host' };
  if (!isProtocol(protocol)) return { ok: false, problem: 'protocol' };
  const port = parsePort(config.port);
  if (port === null) return { ok: false, problem: 'port' };
  if (!isValidUsername(username)) return { ok: false, problem: 'username' };
  const serial = readSerial(config.serial);
  if (serial === undefined) return { ok: false, problem: 'serial' };
  const consumers = readConsumers(config.consumers ?? []);
  if (!consumers) return { ok: false, problem: 'consumers' };
  const settings: HikDeviceSettings = Object.freeze({
    name: typeof config.name === 'string' ? config.name : '',
    host,
    port,
    protocol,
    username,
    serial,
    allowHttpPasswordChange: config.allowHttpPasswordChange === true,
    consumers,
    keepOnvifUsersInStep: config.keepOnvifUsersInStep !== false,
    streamingAccount: config.streamingAccount === true,
  });
  return { ok: true, settings };
}

/** The consumer list: each a known type, a config node id and an account; null when unusable. */
function readConsumers(value: unknown): DeviceConsumerRef[] | null {
  if (!Array.isArray(value)) return null;
  const refs: DeviceConsumerRef[] = [];
  for (const entry of value as unknown[]) {
    const ref = readConsumer(entry);
    if (!ref) return null;
    refs.push(Object.freeze(ref));
  }
  return refs;
}

function readConsumer(value: unknown): DeviceConsumerRef | null {
  if (typeof value !== 'object' || value === null) return null;
  const { type, config, account, domain, entry } = value as Record<string, unknown>;
  if (typeof config !== 'string' || config === '') return null;
  if (account !== 'admin' && account !== 'streaming') return null;
  if (!isConsumerType(type)) return null;
  if (type !== 'homeassistant') return { type, config, account };
  if (!(HA_INTEGRATION_DOMAINS as readonly unknown[]).includes(domain)) return null;
  if (typeof entry !== 'string' || entry.trim() === '' || entry.length > MAX_ENTRY_LENGTH) return null;
  return { type, config, account, domain: domain as HaIntegrationDomain, entry: entry.trim() };
}

function isConsumerType(value: unknown): value is DeviceConsumerType {
  return (DEVICE_CONSUMER_TYPES as readonly unknown[]).includes(value);
}
