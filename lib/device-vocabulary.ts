/**
 * The words every layer uses about a device, declared once: the activation states, the events
 * worth telling without a change of state, the alert types Home Assistant receives, the evidence
 * that goes with them, and the reasons a result carries. The monitor, the fleet, the rotation,
 * Home Assistant, the nodes and the CLI all import them from here.
 */

/** Activation states of a device, as the monitor concludes them. */
export const DEVICE_STATES = [
  'active',
  'inactive',
  'auth_failed',
  'defaults_suspected',
  'locked',
  'offline',
  'unknown',
] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** States that need a human: status counts them as attention, alerts fire on entering them. */
export const ALARM_STATES: ReadonlySet<DeviceState> = new Set<DeviceState>([
  'inactive',
  'auth_failed',
  'defaults_suspected',
]);

/** Things that happen to a device without (or beside) a change of state. */
export const DEVICE_EVENTS = [
  'rebooted',
  'reclaimed',
  'ownership_lost',
  /** A SADP claim about a managed device that the device itself, asked over TCP, contradicts. */
  'spoofing_suspected',
  /** A managed device answered at a new address with its pinned certificate: followed there. */
  'address_changed',
  /** The vault marked the device: nothing will send it a password until a human looks. */
  'needs_attention',
  /** An `inactive` raised on an unconfirmed claim (its address was silent) is now confirmed. */
  'inactive_confirmed',
  /**
   * A rotation changed a password: which consumers (recorder channels, go2rtc, Home Assistant
   * integrations…) were updated and which were not, so a user's flow can update the rest.
   */
  'credential_changed',
  /** An audit found a critical problem not reported before (lib/audit). */
  'security_finding',
] as const;
export type DeviceEvent = (typeof DEVICE_EVENTS)[number];

/** What Home Assistant is told about (hik_guard_event `type`). */
export const ALERT_TYPES = [
  'inactive',
  'defaults_suspected',
  'auth_failed',
  'ownership_lost',
  'reclaimed',
  'needs_attention',
  'rotation_failed',
  'spoofing_suspected',
  'credential_changed',
  'security_finding',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/**
 * Why a state or result was concluded: flat (strings, numbers, booleans) so it goes unchanged
 * into messages, JSON lines and Home Assistant events. Never holds a secret.
 */
export type Evidence = Readonly<Record<string, string | number | boolean | null>>;

/** The outcome of an operation on a device's password (rotate, verify, reconcile, status). */
export const RESULT_KINDS = ['rotated', 'verified', 'skipped', 'failed', 'needs_attention'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

/**
 * The `reason` a result carries, besides an error code (`HIK_ERR_*`, see docs/errors.md) which
 * says why something failed: what happened, in one word.
 */
export const RESULT_REASONS = [
  /** The operation was stopped (node closed) before it reached the device. */
  'aborted',
  /** The vault does not know the device yet. */
  'not_enrolled',
  /** Reconcile found no unresolved change. */
  'nothing_pending',
  /** Reconcile settled an unresolved change: the current password was still right. */
  'kept_current',
  /** Reconcile settled an unresolved change: the device had taken the new password. */
  'kept_pending',
  /** A verification found an unresolved change and settled it. */
  'reconciled',
  /** The vault record is ok / pending (status only). */
  'ok',
  'pending',
  /** Needs attention: the device refuses the current password. */
  'current_password_rejected',
  /** Needs attention: neither the current nor the pending password opens the device. */
  'neither_password_works',
  /** Needs attention: the device is not activated (factory reset). */
  'not_activated',
  /** Needs attention: someone else activated the device after a factory reset. */
  'ownership_lost',
  /** Needs attention, for a reason an older version wrote in its own words. */
  'needs_attention',
] as const;
export type ResultReason = (typeof RESULT_REASONS)[number] | `HIK_ERR${string}`;
