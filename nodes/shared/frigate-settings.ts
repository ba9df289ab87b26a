/**
 * Reads a migrated `hik-frigate` config into validated settings. Pure, no Node-RED: the node turns
 * a problem into one translated warning, the editor repeats the rule in its validator.
 */
import type { NodeConfig } from './migrations';
import type { HikFrigateSettings } from './types';

export type FrigateConfigProblem = 'url';

const URL_RE = /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/;

export function readFrigateSettings(
  config: NodeConfig,
): { ok: true; settings: HikFrigateSettings } | { ok: false; problem: FrigateConfigProblem } {
  const url = typeof config.url === 'string' ? config.url.trim().replace(/\/+$/, '') : '';
  if (!URL_RE.test(url)) return { ok: false, problem: 'url' };
  return {
    ok: true,
    settings: Object.freeze({
      name: typeof config.name === 'string' ? config.name : '',
      url,
      verifyTls: config.verifyTls !== false,
      restartAfterUpdate: config.restartAfterUpdate === true,
    }),
  };
}
