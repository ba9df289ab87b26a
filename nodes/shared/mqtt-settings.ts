/**
 * Reads a migrated `hik-mqtt` config into validated settings. Pure, no Node-RED: the node turns a
 * problem into one translated warning (`hik-mqtt.validation.<problem>`); the editor repeats these
 * rules in its validators. The user name and password are Node-RED credentials, not settings.
 */
import { checkDiscoveryTopics } from '../../lib/mqtt/ha-discovery';
import { parseBrokerUrl } from '../../lib/mqtt/mqtt-link';
import { HikError } from '../../lib/errors';
import type { NodeConfig } from './migrations';

export type MqttConfigProblem =
  'url' | 'ca' | 'clientId' | 'discoveryPrefix' | 'baseTopic' | 'actionSerials' | 'removeAfterSeconds';

export interface HikMqttSettings {
  readonly name: string;
  /** `mqtt://host[:port]` or `mqtts://host[:port]`, without credentials. */
  readonly url: string;
  readonly verifyTls: boolean;
  /** PEM of a private CA to trust (mqtts), or null. */
  readonly ca: string | null;
  /** The MQTT client id, or null for `hik_guard_<node id>`. */
  readonly clientId: string | null;
  readonly discoveryPrefix: string;
  readonly baseTopic: string;
  /** Rotate now / Verify buttons in Home Assistant (off unless the owner ticks it). */
  readonly allowActions: boolean;
  /** With `allowActions`: only these serials; empty = every device a hik-credentials node rotates. */
  readonly actionSerials: readonly string[];
  /** Entities of a device gone from hik guard are deleted after this many seconds. */
  readonly removeAfterSeconds: number;
}

export type MqttSettingsResult =
  | { readonly ok: true; readonly settings: HikMqttSettings }
  | { readonly ok: false; readonly problem: MqttConfigProblem };

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const CLIENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const SERIAL = /^[\x21-\x7e]{1,64}$/;

function flag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function isHikProblem(read: () => void): boolean {
  try {
    read();
    return false;
  } catch (err: unknown) {
    if (HikError.isHikError(err)) return true;
    throw err;
  }
}

function wholeIn(value: unknown, min: number, max: number): number | null {
  const n = typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

export function readMqttSettings(config: NodeConfig): MqttSettingsResult {
  const url = text(config.url);
  if (url === '' || isHikProblem(() => parseBrokerUrl(url))) return { ok: false, problem: 'url' };
  const ca = text(config.ca) || null;
  if (ca !== null && !PEM.test(ca)) return { ok: false, problem: 'ca' };
  const clientId = text(config.clientId) || null;
  if (clientId !== null && !CLIENT_ID.test(clientId)) return { ok: false, problem: 'clientId' };
  const discoveryPrefix = text(config.discoveryPrefix) || 'homeassistant';
  const baseTopic = text(config.baseTopic) || 'hik_guard';
  const origin = { name: '', sw_version: '', support_url: '' };
  if (isHikProblem(() => checkDiscoveryTopics({ prefix: discoveryPrefix, base: 'x', origin })))
    return { ok: false, problem: 'discoveryPrefix' };
  if (isHikProblem(() => checkDiscoveryTopics({ prefix: 'x', base: baseTopic, origin })))
    return { ok: false, problem: 'baseTopic' };
  if (baseTopic === discoveryPrefix) return { ok: false, problem: 'baseTopic' };
  const actionSerials = typeof config.actionSerials === 'string' ? config.actionSerials : '';
  const serials = actionSerials.split(/[\s,]+/).filter(Boolean);
  if (!serials.every((s) => SERIAL.test(s))) return { ok: false, problem: 'actionSerials' };
  const removeAfterSeconds = wholeIn(config.removeAfterSeconds, 0, 604_800);
  if (removeAfterSeconds === null) return { ok: false, problem: 'removeAfterSeconds' };
  return {
    ok: true,
    settings: Object.freeze({
      name: typeof config.name === 'string' ? config.name : '',
      url,
      verifyTls: flag(config.verifyTls, true),
      ca,
      clientId,
      discoveryPrefix,
      baseTopic,
      allowActions: flag(config.allowActions, false),
      actionSerials: Object.freeze(serials),
      removeAfterSeconds,
    }),
  };
}

/** Whether the settings let Home Assistant's buttons act on `serial`. */
export function actionsAllowed(settings: HikMqttSettings, serial: string): boolean {
  return (
    settings.allowActions && (settings.actionSerials.length === 0 || settings.actionSerials.includes(serial))
  );
}
