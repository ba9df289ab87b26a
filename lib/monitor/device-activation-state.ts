/**
 * One device's activation state machine. Signals come in (SADP, the free activateStatus poll,
 * vault verifications, re-claim results); transitions and events come out, each with the
 * evidence that decided it. Pure and clock-injected, so every rule is tested without a network.
 *
 * Debouncing: only polls that get no answer count towards `offline` (a missed SADP reply never
 * does), and it takes `offlineAfterFailures` in a row with no sign of life in between. A device
 * coming back from `offline` returns to the condition it was in, and an alarm state that was
 * already alerted is not alerted again until the device was seen healthy (`active`) in between,
 * so a flapping network gives at most one alert per real change.
 */
import {
  ALARM_STATES,
  type AlertType,
  type DeviceEvent,
  type DeviceState,
  type Evidence,
} from '../device-vocabulary';
import { InvalidArgumentError } from '../errors';
import { FACTORY_DEFAULT_IPV4, type MonitorSignal, type StateChange } from './monitor-types';

export interface DeviceActivationStateOptions {
  /** Polls without an answer, in a row, before `offline`. Default 3. */
  offlineAfterFailures?: number;
  /** Whether the vault holds this device's password (then a stranger's activation means ours is gone). */
  vaultKnown?: boolean;
}

const ALERT_FOR: Partial<Record<DeviceState, AlertType>> = {
  inactive: 'inactive',
  auth_failed: 'auth_failed',
  defaults_suspected: 'defaults_suspected',
};

export class DeviceActivationState {
  state: DeviceState = 'unknown';
  /** ISO time the current state began. */
  since: string;
  vaultKnown: boolean;
  /**
   * True while our own re-claim runs, or while a verification with the vault's password decides
   * whose activation was seen: an `activated` seen meanwhile is not judged as someone else's.
   */
  reclaiming = false;
  /**
   * Held for inactive on a claim the device's known address could not confirm (it was silent):
   * said in alerts and the entity until an answer of the device confirms it.
   */
  unconfirmed = false;
  private offlineAfterFailures: number;
  private failures = 0;
  private bootTime: string | null = null;
  private ipv4: string | null = null;
  /** The condition to return to when an `offline` device answers again. */
  private beforeOffline: DeviceState = 'unknown';
  /** The alarm state last alerted; cleared once the device is `active` again. */
  private alerted: DeviceState | null = null;
  /** When a reported lock ends (ms); an answering device stays `locked` until then. */
  private lockedUntil = 0;

  constructor(now: Date, options: DeviceActivationStateOptions = {}) {
    this.offlineAfterFailures = checkedOfflineAfter(options.offlineAfterFailures ?? 3);
    this.vaultKnown = options.vaultKnown ?? false;
    this.since = now.toISOString();
  }

  /** Polls without an answer, in a row, before `offline` (the strictest watcher's wish). */
  setOfflineAfterFailures(failures: number): void {
    this.offlineAfterFailures = checkedOfflineAfter(failures);
  }

  /** The condition the device is in, looking through `offline` (an offline device keeps it). */
  get condition(): DeviceState {
    return this.state === 'offline' ? this.beforeOffline : this.state;
  }

  apply(signal: MonitorSignal, now: Date): StateChange[] {
    const out: StateChange[] = [];
    const at = now.toISOString();
    const become = (to: DeviceState, evidence: Evidence): void => {
      if (to === this.state) return;
      const from = this.state;
      if (to === 'offline') this.beforeOffline = from;
      if (to !== 'offline') this.unconfirmed = to === 'inactive' && evidence.confirmed === false;
      this.state = to;
      this.since = at;
      out.push({ kind: 'transition', event: null, from, to, evidence, at, alert: this.alertFor(to) });
    };
    const event = (
      name: DeviceEvent,
      evidence: Evidence,
      alert: AlertType | null,
      to: DeviceState = this.state,
    ): void => {
      out.push({ kind: 'event', event: name, from: this.state, to, evidence, at, alert });
    };

    switch (signal.kind) {
      case 'sadp': {
        this.failures = 0;
        const bootBefore = this.bootTime;
        const ipBefore = this.ipv4;
        const rebooted = bootBefore !== null && signal.bootTime !== null && signal.bootTime !== bootBefore;
        if (signal.bootTime !== null) this.bootTime = signal.bootTime;
        const evidence: Evidence = {
          signal: 'sadp',
          via: signal.via,
          activated: signal.activated,
          ip: signal.ipv4,
          ...(signal.confirmed !== undefined ? { confirmed: signal.confirmed } : {}),
          ...(rebooted ? { bootTimeBefore: bootBefore, bootTime: signal.bootTime } : {}),
        };
        if (signal.activated === false) {
          become('inactive', evidence);
          break;
        }
        const reverted =
          signal.activated === true &&
          ipBefore !== null &&
          ipBefore !== FACTORY_DEFAULT_IPV4 &&
          signal.ipv4 === FACTORY_DEFAULT_IPV4 &&
          signal.dhcp === false;
        if (signal.ipv4 !== null) this.ipv4 = signal.ipv4;
        if (reverted) {
          become('defaults_suspected', { ...evidence, ipBefore, dhcp: false });
          break;
        }
        if (rebooted && signal.activated !== null) event('rebooted', evidence, null);
        this.alive(signal.activated, evidence, become, now);
        break;
      }
      case 'poll':
        this.failures = 0;
        if (signal.activated === false && this.unconfirmed && this.state === 'inactive') {
          this.unconfirmed = false;
          event('inactive_confirmed', { signal: 'activateStatus', activated: false }, null);
        } else if (signal.activated === false)
          become('inactive', { signal: 'activateStatus', activated: false });
        else
          this.alive(
            signal.activated,
            { signal: 'activateStatus', activated: signal.activated },
            become,
            now,
          );
        break;
      case 'pollFailed':
        this.failures += 1;
        if (this.failures >= this.offlineAfterFailures && this.state !== 'offline')
          become('offline', { signal: 'activateStatus', failedPolls: this.failures, code: signal.code });
        break;
      case 'locked':
        this.lockedUntil = now.getTime() + (signal.unlockInSeconds ?? 0) * 1000;
        become('locked', { signal: 'lock', code: signal.code, unlockInSeconds: signal.unlockInSeconds });
        break;
      case 'verification':
        this.reclaiming = false;
        if (signal.result === 'ok') become('active', { signal: 'verification', result: 'ok' });
        else if (signal.result === 'locked') become('locked', { signal: 'verification', result: 'locked' });
        else if (this.state !== 'inactive')
          become('auth_failed', { signal: 'verification', result: 'auth_failed' });
        break;
      case 'reclaimed':
        this.reclaiming = false;
        // Its network settings are the factory ones now, by our doing: not a new alarm.
        this.ipv4 = null;
        event('reclaimed', signal.evidence, 'reclaimed', 'active');
        this.alerted = null;
        become('active', signal.evidence);
        break;
      case 'spoofed':
        event('spoofing_suspected', signal.evidence, 'spoofing_suspected');
        break;
      case 'moved':
        event('address_changed', signal.evidence, null);
        break;
      case 'needsAttention':
        event('needs_attention', signal.evidence, 'needs_attention');
        break;
      case 'credentialChanged':
        event('credential_changed', signal.evidence, 'credential_changed');
        break;
      case 'ownershipLost':
        this.reclaiming = false;
        // One alert for one loss: the event carries it, the state change that follows does not.
        event('ownership_lost', signal.evidence, 'ownership_lost', 'auth_failed');
        this.alerted = 'auth_failed';
        become('auth_failed', signal.evidence);
        break;
    }
    return out;
  }

  /** The device answered and, unless `activated` is false, is activated or does not say. */
  private alive(
    activated: boolean | null,
    evidence: Evidence,
    become: (to: DeviceState, evidence: Evidence) => void,
    now: Date,
  ): void {
    if (activated === null) {
      if (this.state === 'offline') become(this.beforeOffline, evidence);
      return;
    }
    if (!activated) return;
    const was = this.state === 'offline' ? this.beforeOffline : this.state;
    if (was === 'inactive') {
      // Our re-claim will report its own outcome; anyone else's activation took our device.
      if (this.reclaiming) return;
      if (this.vaultKnown) become('auth_failed', { ...evidence, reason: 'activated_by_someone_else' });
      else become('active', evidence);
      return;
    }
    // Conditions a signal of life does not disprove stay until a verification does (or a lock ends).
    const stays =
      was === 'auth_failed' ||
      was === 'defaults_suspected' ||
      (was === 'locked' && now.getTime() < this.lockedUntil);
    become(stays ? was : 'active', evidence);
  }

  private alertFor(to: DeviceState): AlertType | null {
    if (to === 'active') this.alerted = null;
    const alert = ALERT_FOR[to];
    if (!alert || !ALARM_STATES.has(to) || this.alerted === to) return null;
    this.alerted = to;
    return alert;
  }
}

function checkedOfflineAfter(failures: number): number {
  if (!Number.isInteger(failures) || failures < 1)
    throw new InvalidArgumentError('offlineAfterFailures must be a whole number >= 1');
  return failures;
}
