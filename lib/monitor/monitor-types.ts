/**
 * What feeds the per-device activation state machine and what it answers. The words themselves
 * (states, events, alert types, evidence) are in lib/device-vocabulary.ts.
 */
import type { AlertType, DeviceEvent, DeviceState, Evidence } from '../device-vocabulary';

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
  | { kind: 'moved'; evidence: Evidence }
  /** The vault marked the device needs_attention (a rotation, verify or reconcile concluded it). */
  | { kind: 'needsAttention'; evidence: Evidence }
  /** A rotation changed a password; the evidence names the consumers updated and not updated. */
  | { kind: 'credentialChanged'; evidence: Evidence };

/** One thing that happened to one device, with the alert (if any) it deserves. */
export interface StateChange {
  kind: 'transition' | 'event';
  /** For events: which. */
  event: DeviceEvent | null;
  from: DeviceState;
  to: DeviceState;
  evidence: Evidence;
  /** ISO time of the change. */
  at: string;
  /** The Home Assistant alert type, or null for information only (and for repeats of a flap). */
  alert: AlertType | null;
}
