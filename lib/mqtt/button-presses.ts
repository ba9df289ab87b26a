/**
 * What Home Assistant's buttons (Rotate now, Verify) may do: a press reaches `act` (fleet.act: the
 * device's hik-credentials node, with all its protections) only for a device the owner allowed and
 * a hik-credentials node rotates, with the exact press payload, not replayed by the broker, and not
 * while the same action on the device runs. Everything else is refused and reported, never with
 * the payload (anyone who may publish to the broker chooses it). docs/protocol/mqtt.md §8.
 */
import type { ActionResult, CredentialAction } from '../fleet/fleet';
import { HikError } from '../errors';
import { serialSlug } from '../homeassistant/device-entity';
import { PAYLOAD_PRESS, type DiscoveryDevice } from './ha-discovery';

export type ActionRefusal =
  'not_allowed' | 'not_managed' | 'unknown_device' | 'busy' | 'retained' | 'bad_payload';

/** What became of a button press (the node logs it). */
export type ActionReport =
  | { serial: string | null; action: CredentialAction; outcome: 'refused'; reason: ActionRefusal }
  | { serial: string; action: CredentialAction; outcome: 'accepted' }
  | { serial: string; action: CredentialAction; outcome: 'done'; result: ActionResult }
  | { serial: string; action: CredentialAction; outcome: 'failed'; error: Error };

export interface ButtonPressesOptions {
  /** The devices published now (a press names one by its serial slug). */
  devices: () => DiscoveryDevice[];
  actionsAllowed: (serial: string) => boolean;
  act: (serial: string, action: CredentialAction) => Promise<ActionResult>;
  onAction?: ((report: ActionReport) => void) | undefined;
}

export class ButtonPresses {
  private readonly busy = new Set<string>();

  constructor(private readonly options: ButtonPressesOptions) {}

  /** A message on `<base>/<slug>/<action>/set`; `retained`: replayed by the broker. */
  press(slug: string, action: CredentialAction, payload: Buffer, retained: boolean): void {
    const refuse = (serial: string | null, reason: ActionRefusal): void =>
      this.report({ serial, action, outcome: 'refused', reason });
    const device = this.options.devices().find((d) => serialSlug(d.serial) === slug);
    const serial = device?.serial ?? null;
    // A retained press would act again on every reconnect: never.
    if (retained) return refuse(serial, 'retained');
    if (payload.toString() !== PAYLOAD_PRESS) return refuse(serial, 'bad_payload');
    if (!device) return refuse(null, 'unknown_device');
    if (!this.options.actionsAllowed(device.serial)) return refuse(device.serial, 'not_allowed');
    if (device.rotationOwner === null) return refuse(device.serial, 'not_managed');
    const key = `${device.serial}\n${action}`;
    if (this.busy.has(key)) return refuse(device.serial, 'busy');
    this.busy.add(key);
    this.report({ serial: device.serial, action, outcome: 'accepted' });
    this.options.act(device.serial, action).then(
      (result) => {
        this.busy.delete(key);
        this.report({ serial: device.serial, action, outcome: 'done', result });
      },
      (err: unknown) => {
        this.busy.delete(key);
        const error = err instanceof Error ? err : new HikError(String(err));
        this.report({ serial: device.serial, action, outcome: 'failed', error });
      },
    );
  }

  private report(report: ActionReport): void {
    this.options.onAction?.(report);
  }
}
