/**
 * One Home Assistant link as the fleet's subscriber: every change of a device the link's users
 * care about updates the device's entity, and a change that deserves an alert raises it once per
 * link. The alert memory (lib/fleet/alert-memory.ts) decides "once": an alarm Home Assistant has
 * accepted before a redeploy or restart is not raised again; an `active` device clears it.
 */
import type { DeviceState } from '../device-vocabulary';
import type { DeviceSnapshot } from '../homeassistant/device-entity';
import type { HikGuardAlerts } from '../homeassistant/hik-guard-alerts';
import type { DeviceChange } from '../monitor/activation-monitor';
import type { AlertMemory } from './alert-memory';

export class HomeAssistantSink {
  constructor(
    readonly key: string,
    public alerts: HikGuardAlerts,
    private readonly memory: AlertMemory,
  ) {}

  /** The device's entity, as it is now. */
  publish(device: DeviceSnapshot): void {
    this.alerts.publishDeviceState(device);
    if (device.state === 'active') this.memory.forget(this.key, device.serial);
  }

  /** A change: the entity, then the alert when it deserves one and the link was not told yet. */
  changed(change: DeviceChange, device: DeviceSnapshot): void {
    this.publish(device);
    if (!change.alert) return;
    const remembered = alarmRemembered(change);
    if (change.kind === 'transition' && this.memory.told(this.key, change.serial) === remembered) return;
    if (change.event === 'reclaimed') this.memory.forget(this.key, change.serial);
    // Remembered once Home Assistant has it: an alert lost in a crash is raised again on start.
    const told = (): void => {
      if (remembered !== null) this.memory.remember(this.key, change.serial, remembered);
    };
    this.alerts.alert(
      {
        type: change.alert,
        serial: change.serial,
        name: change.name,
        model: change.model,
        ip: change.ip,
        from: change.from,
        to: change.to,
        evidence: change.evidence,
        unconfirmed: device.unconfirmed ?? false,
      },
      told,
    );
  }
}

/** The alarm state an alert stands for (remembered per link), or null for one-off events. */
function alarmRemembered(change: DeviceChange): DeviceState | null {
  if (change.kind === 'transition') return change.to;
  return change.event === 'ownership_lost' ? 'auth_failed' : null;
}
