/**
 * Reads a migrated `hik-credentials` config into validated settings. Pure, no Node-RED: the node
 * turns a problem into one translated warning (`hik-credentials.validation.<problem>`).
 */
import { HikError } from '../../lib/errors';
import { checkSchedulePlan, type SchedulePlan } from '../../lib/rotation/rotation-schedule';
import { MAX_SETTLE_MS } from '../../lib/rotation/rotate-device';
import type { NodeConfig } from './migrations';

export interface DeviceRef {
  /** Id of a `hik-device` config node. */
  device: string;
  /** Its channels follow the password changes of the other devices (an NVR). */
  recorder: boolean;
}

export interface CredentialsSettings {
  readonly name: string;
  readonly devices: readonly DeviceRef[];
  readonly plan: SchedulePlan;
  readonly jitterMs: number;
  readonly concurrency: number;
  readonly settleMs: number;
  readonly includePassword: boolean;
  /** Days between security audits of each device; 0 = only on demand. */
  readonly auditEveryDays: number;
}

export type CredentialsConfigProblem = 'devices' | 'schedule' | 'jitter' | 'concurrency' | 'settle' | 'audit';

export type CredentialsSettingsResult =
  | { readonly ok: true; readonly settings: CredentialsSettings }
  | { readonly ok: false; readonly problem: CredentialsConfigProblem };

function number(value: unknown): number {
  return typeof value === 'string' && value.trim() !== ''
    ? Number(value)
    : typeof value === 'number'
      ? value
      : NaN;
}

function readDevices(value: unknown): DeviceRef[] | null {
  if (!Array.isArray(value)) return null;
  const refs: DeviceRef[] = [];
  for (const entry of value as unknown[]) {
    const ref = (typeof entry === 'string' ? { device: entry } : entry) as Record<string, unknown> | null;
    if (!ref || typeof ref.device !== 'string' || ref.device === '') return null;
    refs.push({ device: ref.device, recorder: ref.recorder === true });
  }
  return refs;
}

function readPlan(config: NodeConfig): SchedulePlan | null {
  let plan: SchedulePlan;
  switch (config.scheduleType) {
    case 'manual':
      plan = { kind: 'manual' };
      break;
    case 'cron':
      plan = { kind: 'cron', expression: typeof config.cron === 'string' ? config.cron.trim() : '' };
      break;
    case 'days': {
      const windowStart = typeof config.windowStart === 'string' ? config.windowStart : '';
      const windowEnd = typeof config.windowEnd === 'string' ? config.windowEnd : '';
      plan = {
        kind: 'interval',
        everyDays: number(config.everyDays),
        ...(windowStart || windowEnd ? { window: { start: windowStart, end: windowEnd } } : {}),
      };
      break;
    }
    default:
      return null;
  }
  try {
    return checkSchedulePlan(plan);
  } catch (err) {
    if (HikError.isHikError(err)) return null;
    throw err;
  }
}

export function readCredentialsSettings(config: NodeConfig): CredentialsSettingsResult {
  const devices = readDevices(config.devices);
  if (!devices) return { ok: false, problem: 'devices' };
  const plan = readPlan(config);
  if (!plan) return { ok: false, problem: 'schedule' };
  const jitter = number(config.jitterMinutes);
  if (!(jitter >= 0 && jitter <= 24 * 60)) return { ok: false, problem: 'jitter' };
  const concurrency = number(config.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
    return { ok: false, problem: 'concurrency' };
  const settle = number(config.settleSeconds);
  if (!(settle >= 0 && settle * 1000 <= MAX_SETTLE_MS)) return { ok: false, problem: 'settle' };
  const auditEveryDays = number(config.auditEveryDays ?? 7);
  if (!(auditEveryDays >= 0 && auditEveryDays <= 365)) return { ok: false, problem: 'audit' };
  return {
    ok: true,
    settings: Object.freeze({
      name: typeof config.name === 'string' ? config.name : '',
      devices,
      plan,
      jitterMs: Math.round(jitter * 60_000),
      concurrency,
      settleMs: Math.round(settle * 1000),
      includePassword: config.includePassword === true,
      auditEveryDays,
    }),
  };
}
