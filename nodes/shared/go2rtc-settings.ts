/**
 * Reads a migrated `hik-go2rtc` config into validated settings. Pure, no Node-RED: the node turns
 * a problem into one translated warning, the editor repeats the rule in its validator.
 */
import type { NodeConfig } from './migrations';
import type { HikGo2rtcSettings } from './types';

export type Go2rtcConfigProblem = 'url';

const URL_RE = /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/;

export function readGo2rtcSettings(
  config: NodeConfig,
): { ok: true; settings: HikGo2rtcSettings } | { ok: false; problem: Go2rtcConfigProblem } {
  const url = typeof config.url === 'string' ? config.url.trim().replace(/\/+$/, '') : '';
  if (!URL_RE.test(url)) return { ok: false, problem: 'url' };
  return {
    ok: true,
    settings: Object.freeze({ name: typeof config.name === 'string' ? config.name : '', url }),
  };
}
