/**
 * The Home Assistant entity that shows one device on a dashboard tile:
 * `sensor.hik_guard_<serial-slug>` with the activation state and the attributes the tile shows.
 */
import { DEVICE_STATES, type DeviceState } from '../device-vocabulary';
import { InvalidArgumentError } from '../errors';

const ICONS: Readonly<Record<DeviceState, string>> = {
  active: 'mdi:cctv',
  inactive: 'mdi:cctv-off',
  auth_failed: 'mdi:account-lock',
  defaults_suspected: 'mdi:shield-alert',
  locked: 'mdi:lock-clock',
  offline: 'mdi:lan-disconnect',
  unknown: 'mdi:help-circle-outline',
};

/** What the monitor and rotation know about a device. Never holds a password. */
export interface DeviceSnapshot {
  readonly serial: string;
  readonly state: DeviceState;
  readonly name?: string | null;
  readonly model?: string | null;
  readonly ip?: string | null;
  readonly firmware?: string | null;
  readonly lastRotation?: Date | null;
  readonly nextRotation?: Date | null;
  readonly lastSeen?: Date | null;
  /** Inactive on a claim its known address could not confirm yet (it was silent). */
  readonly unconfirmed?: boolean;
  /** Holders of its password still on an old one ("recorder channel 3"); empty when in step. */
  readonly outOfDate?: readonly string[];
  /** The last security audit (lib/audit), or null when the device was never audited. */
  readonly audit?: AuditSummary | null;
}

/** What the entity shows of an audit: ids and severities only (findings never hold a secret). */
export interface AuditSummary {
  readonly auditedAt: string;
  /** `critical`…`info`, or null when nothing was found. */
  readonly worst: string | null;
  /** `CVE-2021-36260 (critical)`, … worst first. */
  readonly findings: readonly { id: string; severity: string }[];
}

export type EntityAttributes = Readonly<Record<string, string | number | boolean | null>>;

export interface EntityState {
  readonly entityId: string;
  readonly state: string;
  readonly attributes: EntityAttributes;
}

/**
 * The serial lowercased, each run of characters outside [a-z0-9] replaced by `_`. Leading and
 * trailing `_` are dropped because Home Assistant refuses such entity ids (no real serial has them).
 */
export function serialSlug(serial: string): string {
  const slug = serial
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') throw new InvalidArgumentError('serial must contain a letter or digit');
  return slug;
}

export function entityIdForSerial(serial: string): string {
  return `sensor.hik_guard_${serialSlug(serial)}`;
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

export function deviceEntity(device: DeviceSnapshot): EntityState {
  if (!(DEVICE_STATES as readonly string[]).includes(device.state)) {
    throw new InvalidArgumentError(`device state must be one of ${DEVICE_STATES.join(', ')}`);
  }
  return {
    entityId: entityIdForSerial(device.serial),
    state: device.state,
    attributes: {
      friendly_name: device.name || device.serial,
      icon: ICONS[device.state],
      model: device.model ?? null,
      serial: device.serial,
      ip: device.ip ?? null,
      firmware: device.firmware ?? null,
      last_rotation: iso(device.lastRotation),
      next_rotation: iso(device.nextRotation),
      last_seen: iso(device.lastSeen),
      unconfirmed: device.unconfirmed ?? false,
      // Only while something is out of date, e.g. "recorder channel 3 out of date".
      ...(device.outOfDate?.length ? { out_of_date: `${device.outOfDate.join(', ')} out of date` } : {}),
      audited_at: device.audit?.auditedAt ?? null,
      findings_worst: device.audit?.worst ?? null,
      findings_count: device.audit ? device.audit.findings.length : null,
      findings: device.audit ? device.audit.findings.map((f) => `${f.id} (${f.severity})`).join(', ') : null,
    },
  };
}
