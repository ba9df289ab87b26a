/**
 * Reads a migrated `hik-homeassistant` config into validated settings. Pure, no Node-RED: the node
 * turns a problem into one translated warning; the editor repeats the rules in its validators.
 */
import { parseHaEndpoint } from '../../lib/homeassistant/ha-endpoint';
import { HikError } from '../../lib/errors';
import type { NodeConfig } from './migrations';

/** The field that made a config unusable; also the catalog key `hik-homeassistant.validation.<field>`. */
export type HaConfigProblem = 'url' | 'ca' | 'notifyService';

export interface HikHomeAssistantSettings {
  readonly name: string;
  readonly url: string;
  readonly verifyTls: boolean;
  /** PEM of a private CA to trust, or null. */
  readonly ca: string | null;
  readonly notifications: boolean;
  /** `notify` service without the `notify.` prefix, or null. */
  readonly notifyService: string | null;
}

export type HaSettingsResult =
  | { readonly ok: true; readonly settings: HikHomeAssistantSettings }
  | { readonly ok: false; readonly problem: HaConfigProblem };

const NOTIFY_SERVICE = /^(?:notify\.)?([a-z0-9_]+)$/;
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function flag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

function isUsableUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parseHaEndpoint(value);
    return true;
  } catch (err: unknown) {
    if (HikError.isHikError(err)) return false;
    throw err;
  }
}

export function readHomeAssistantSettings(config: NodeConfig): HaSettingsResult {
  if (!isUsableUrl(config.url)) return { ok: false, problem: 'url' };
  const ca = typeof config.ca === 'string' && config.ca.trim() !== '' ? config.ca.trim() : null;
  if (ca !== null && !PEM.test(ca)) return { ok: false, problem: 'ca' };
  const rawService = typeof config.notifyService === 'string' ? config.notifyService.trim() : '';
  const service = rawService === '' ? null : (NOTIFY_SERVICE.exec(rawService)?.[1] ?? undefined);
  if (service === undefined) return { ok: false, problem: 'notifyService' };
  return {
    ok: true,
    settings: Object.freeze({
      name: typeof config.name === 'string' ? config.name : '',
      url: config.url.trim(),
      verifyTls: flag(config.verifyTls, true),
      ca,
      notifications: flag(config.notifications, true),
      notifyService: service,
    }),
  };
}
