/**
 * The activation monitor's vocabulary: the states a device can be in, the events worth telling
 * without changing state, the signals that feed the per-device state machine and what it answers.
 * Evidence is flat (strings, numbers, booleans) so it goes unchanged into messages, JSON lines and
 * Home Assistant events; it never holds a secret.
 */
import type { AlertType } from '../homeassistant/hik-guard-alerts';

export const MONITOR_STATES = [
  'active',
  'inactive',
  'auth_failed',
  'defaults_suspected',
  'locked',
  'offline',
  'unknown',
] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];

export type MonitorEvent =
  | 'rebooted'
  | 'reclaimed'
  | 'ownership_lost'
  /** A SADP claim about a managed device that the device itself, asked over TCP, contradicts. */
  | 'spoofing_suspected'
  /** A managed device answered at a new address with its pinned certificate: followed there. */
  | 'address_changed';

export type Evidence = Readonly<Record<string, string | number | boolean | null>>;

/** The address a factory-default Hikvision device comes up on when DHCP is off. */
export const FACTORY_DEFAULT_IPV4 = '192.168.1.64';

/** What one observation said. No signal costs a login attempt. */
export type MonitorSignal =
  /** A SADP reply or an unsolicited Hello. */
  | {
      kind: 'sadp';
      via: 'hello' | 'probeMatch';
      activated: boolean | null;
      bootTime: string | null;
      ipv4: string | null;
      dhcp: boolean | null;
      /**
       * For a managed device: whether the free poll at its known address agreed before this
       * sighting was let in (false: it could not be asked). Absent for devices nobody manages.
       */
      confirmed?: boolean;
    }
  /** `GET /SDK/activateStatus` answered (null: the firmware does not say). */
  | { kind: 'poll'; activated: boolean | null }
  /** The poll got no answer (timeout, refused, unreadable); `code` is the error's. */
  | { kind: 'pollFailed'; code: string }
  /** The device (or the login guard on its behalf) reported a login lock. */
  | { kind: 'locked'; code: string; unlockInSeconds: number | null }
  /** A vault verification done by someone else (rotation, verify): did our password open it? */
  | { kind: 'verification'; result: 'ok' | 'auth_failed' | 'locked' }
  /** Our re-claim activated and verified the device. */
  | { kind: 'reclaimed'; evidence: Evidence }
  /** Our re-claim found the device activated by someone else. */
  | { kind: 'ownershipLost'; evidence: Evidence }
  /** A SADP claim the device contradicted, or an address that could not prove to be the device. */
  | { kind: 'spoofed'; evidence: Evidence }
  /** The device proved (pinned certificate) that it now answers at another address. */
  | { kind: 'moved'; evidence: Evidence };

/** One thing that happened to one device, with the alert (if any) it deserves. */
export interface StateChange {
  kind: 'transition' | 'event';
  /** For events: which. */
  event: MonitorEvent | null;
  from: MonitorState;
  to: MonitorState;
  evidence: Evidence;
  /** ISO time of the change. */
  at: string;
  /** The Home Assistant alert type, or null for information only (and for repeats of a flap). */
  alert: AlertType | null;
}

/** States that need a human (status counts them as attention, alerts fire on entering them). */
export const ALARM_STATES: ReadonlySet<MonitorState> = new Set<MonitorState>([
  'inactive',
  'auth_failed',
  'defaults_suspected',
]);
