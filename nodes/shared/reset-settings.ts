/**
 * Reads a migrated `hik-reset` config into validated settings. Pure, no Node-RED: the node turns a
 * problem into a red ring and one translated warning (`hik-reset.validation.<problem>`); the
 * editor repeats these rules.
 */
import type { NodeConfig } from './migrations';

export interface ResetDeviceRef {
  /** Id of a `hik-device` config node. */
  device: string;
  /** Re-claim it when it turns inactive (opt-in, off by default). */
  reclaim: boolean;
  /** A recorder: its channels get a re-claimed camera's new password. */
  recorder: boolean;
}

export interface ResetSettings {
  readonly name: string;
  readonly devices: readonly ResetDeviceRef[];
  /** Serials the vault does not know that may still be activated by a re-claim. */
  readonly listed: readonly string[];
  /** Id of a `hik-homeassistant` config node, or '' for none. */
  readonly server: string;
  /** Id of a `hik-mqtt` config node (the fleet is published to that broker), or '' for none. */
  readonly mqtt: string;
  /** activateStatus poll interval; 0 = no polling. */
  readonly pollSeconds: number;
  readonly passive: boolean;
  /** Interface names or addresses for the passive listener; empty = every IPv4 interface. */
  readonly interfaces: readonly string[];
  readonly offlineAfter: number;
}

export type ResetConfigProblem = 'devices' | 'listed' | 'pollSeconds' | 'interfaces' | 'offlineAfter';

export type ResetSettingsResult =
  | { readonly ok: true; readonly settings: ResetSettings }
  | { readonly ok: false; readonly problem: ResetConfigProblem };

const SERIAL = /^[\x21-\x7e]{1,64}$/;
const INTERFACE = /^[A-Za-z0-9._:@-]{1,64}$/;

function wholeIn(value: unknown, min: number, max: number): number | null {
  const n = typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function words(value: unknown): string[] | null {
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : null;
}

function readDevices(value: unknown): ResetDeviceRef[] | null {
  if (!Array.isArray(value)) return null;
  const refs: ResetDeviceRef[] = [];
  for (const entry of value as unknown[]) {
    const ref = (typeof entry === 'string' ? { device: entry } : entry) as Record<string, unknown> | null;
    if (!ref || typeof ref.device !== 'string' || ref.device === '') return null;
    refs.push({ device: ref.device, reclaim: ref.reclaim === true, recorder: ref.recorder === true });
  }
  return refs;
}

export function readResetSettings(config: NodeConfig): ResetSettingsResult {
  const devices = readDevices(config.devices);
  if (devices === null) return { ok: false, problem: 'devices' };
  const listed = words(config.listed);
  if (listed === null || !listed.every((s) => SERIAL.test(s))) return { ok: false, problem: 'listed' };
  const pollSeconds = wholeIn(config.pollSeconds, 0, 86_400);
  if (pollSeconds === null) return { ok: false, problem: 'pollSeconds' };
  const interfaces = words(config.interfaces);
  if (interfaces === null || !interfaces.every((i) => INTERFACE.test(i)))
    return { ok: false, problem: 'interfaces' };
  const offlineAfter = wholeIn(config.offlineAfter, 1, 100);
  if (offlineAfter === null) return { ok: false, problem: 'offlineAfter' };
  return {
    ok: true,
    settings: Object.freeze({
      name: typeof config.name === 'string' ? config.name : '',
      devices: Object.freeze(devices),
      listed: Object.freeze(listed),
      server: typeof config.server === 'string' ? config.server : '',
      mqtt: typeof config.mqtt === 'string' ? config.mqtt : '',
      pollSeconds,
      passive: config.passive === true || config.passive === 'true',
      interfaces: Object.freeze(interfaces),
      offlineAfter,
    }),
  };
}
