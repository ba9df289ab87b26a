/**
 * What the rest of hik guard calls to tell Home Assistant about devices: `publishDeviceState` for
 * the dashboard entity, `alert` for a state transition worth a human's attention. Neither waits for
 * HA nor throws when it is away: delivery happens in the background, latest state wins.
 *
 * Every alert fires `hik_guard_event`; it also creates (or replaces) the device's persistent
 * notification `hik_guard_<serial-slug>`, which is dismissed when the device is healthy again
 * (`reclaimed`, or a published state of `active`); and, if configured, calls `notify.<service>`.
 */
import { randomUUID } from 'node:crypto';
import type { AlertType, Evidence } from '../device-vocabulary';
import type { AlertPublisher } from './alert-publisher';
import { deviceEntity, entityIdForSerial, serialSlug, type DeviceSnapshot } from './device-entity';
import type { EntityPublisher } from './entity-publisher';

export const HIK_GUARD_EVENT = 'hik_guard_event';

/** A device state transition, as the monitor or the rotation reports it. No secrets in it. */
export interface DeviceTransition {
  readonly type: AlertType;
  readonly serial: string;
  readonly name?: string | null;
  readonly model?: string | null;
  readonly ip?: string | null;
  /** State before, e.g. `active`; null when unknown. */
  readonly from: string | null;
  /** New state, e.g. `inactive`. */
  readonly to: string;
  /** Why the transition was concluded (signals, counts, times). */
  readonly evidence?: Evidence;
  /** An `inactive` its known address could not confirm yet (it was silent): possibly not real. */
  readonly unconfirmed?: boolean;
}

/** Title and message of a notification, in the user's language (the node uses its catalog). */
export type AlertFormatter = (transition: DeviceTransition) => { title: string; message: string };

export interface HikGuardAlertsOptions {
  readonly entities: EntityPublisher;
  readonly alerts: AlertPublisher;
  readonly describe: AlertFormatter;
  /** Create persistent notifications. Default true. */
  readonly notifications?: boolean;
  /** `notify` service to call, without the `notify.` prefix (e.g. `mobile_app_phone`); null = none. */
  readonly notifyService?: string | null;
}

export function notificationIdForSerial(serial: string): string {
  return `hik_guard_${serialSlug(serial)}`;
}

export class HikGuardAlerts {
  private readonly openNotifications = new Set<string>();

  constructor(private readonly options: HikGuardAlertsOptions) {}

  /** Sets the device's entity state; a healthy device's notification is dismissed. */
  publishDeviceState(device: DeviceSnapshot): void {
    this.options.entities.publish(deviceEntity(device));
    if (device.state === 'active') this.dismiss(device.serial);
  }

  /** Raises the alert; `onDelivered` runs once Home Assistant accepted its event. */
  alert(transition: DeviceTransition, onDelivered?: () => void): void {
    const { alerts, describe, notifyService } = this.options;
    alerts.fireEvent(
      HIK_GUARD_EVENT,
      {
        // The same in every copy: a command whose answer was lost in an outage is sent once more.
        alert_id: randomUUID(),
        type: transition.type,
        serial: transition.serial,
        name: transition.name ?? null,
        model: transition.model ?? null,
        ip: transition.ip ?? null,
        from: transition.from,
        to: transition.to,
        evidence: transition.evidence ?? {},
        unconfirmed: transition.unconfirmed ?? false,
        entity_id: entityIdForSerial(transition.serial),
      },
      onDelivered,
    );
    const { title, message } = describe(transition);
    if (transition.type === 'reclaimed') {
      this.dismiss(transition.serial);
    } else if (isRoutine(transition)) {
      return; // a password change every consumer followed: an event for automations, nothing to read
    } else if (this.options.notifications !== false) {
      const id = notificationIdForSerial(transition.serial);
      this.openNotifications.add(id);
      alerts.showNotification(id, title, message);
    }
    if (notifyService) alerts.notify(notifyService, serialSlug(transition.serial), title, message);
  }

  /** Resolves when everything handed in so far was delivered or given up. */
  async settled(): Promise<void> {
    await Promise.all([this.options.entities.settled(), this.options.alerts.settled()]);
  }

  private dismiss(serial: string): void {
    const id = notificationIdForSerial(serial);
    if (!this.openNotifications.delete(id)) return;
    this.options.alerts.dismissNotification(id);
  }
}

/** A credential change that left no consumer out of date: worth an event, not a notification. */
function isRoutine(transition: DeviceTransition): boolean {
  return transition.type === 'credential_changed' && !transition.evidence?.consumers_not_updated;
}
