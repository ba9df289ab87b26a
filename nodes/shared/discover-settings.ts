/**
 * Reads a migrated `hik-discover` config into validated settings. Pure, no Node-RED: the node
 * turns a problem into a red ring and one translated warning; the editor repeats these rules.
 */
import { HikError } from '../../lib/errors';
import { parseSadpTargetList } from '../../lib/sadp/sadp-target';
import type { SadpTarget } from '../../lib/sadp/sadp-scanner';
import type { NodeConfig } from './migrations';

/** The field that made a config unusable; also the catalog key `hik-discover.validation.<field>`. */
export type DiscoverConfigProblem =
  'interfaces' | 'targets' | 'windowMs' | 'intervalSeconds' | 'goneAfterSeconds';

export interface DiscoverSettings {
  /** Interface names or addresses; empty = every IPv4 interface. */
  readonly interfaces: readonly string[];
  readonly targets: readonly SadpTarget[];
  readonly windowMs: number;
  /** 0 = scan only on input. */
  readonly intervalSeconds: number;
  readonly passive: boolean;
  readonly goneAfterSeconds: number;
  /** Second output with the whole device list after every scan. */
  readonly sendList: boolean;
}

export type DiscoverSettingsResult =
  | { readonly ok: true; readonly settings: DiscoverSettings }
  | { readonly ok: false; readonly problem: DiscoverConfigProblem };

const INTERFACE = /^[A-Za-z0-9._:@-]{1,64}$/;

function wholeIn(value: unknown, min: number, max: number): number | null {
  const n = typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

export function readDiscoverSettings(config: NodeConfig): DiscoverSettingsResult {
  const interfaces =
    typeof config.interfaces === 'string' ? config.interfaces.split(/[\s,]+/).filter(Boolean) : null;
  if (interfaces === null || !interfaces.every((i) => INTERFACE.test(i)))
    return { ok: false, problem: 'interfaces' };
  let targets: SadpTarget[];
  try {
    targets = parseSadpTargetList(typeof config.targets === 'string' ? config.targets : '');
  } catch (err: unknown) {
    if (HikError.isHikError(err)) return { ok: false, problem: 'targets' };
    throw err;
  }
  const windowMs = wholeIn(config.windowMs, 100, 30_000);
  if (windowMs === null) return { ok: false, problem: 'windowMs' };
  const intervalSeconds = wholeIn(config.intervalSeconds, 0, 86_400);
  if (intervalSeconds === null || (intervalSeconds > 0 && intervalSeconds * 1000 < windowMs))
    return { ok: false, problem: 'intervalSeconds' };
  const goneAfterSeconds = wholeIn(config.goneAfterSeconds, 5, 86_400);
  if (goneAfterSeconds === null) return { ok: false, problem: 'goneAfterSeconds' };
  const passive = config.passive === true || config.passive === 'true';
  const sendList = config.sendList === true || config.sendList === 'true';
  return {
    ok: true,
    settings: Object.freeze({
      interfaces: Object.freeze(interfaces),
      targets: Object.freeze(targets),
      windowMs,
      intervalSeconds,
      passive,
      goneAfterSeconds,
      sendList,
    }),
  };
}
