/**
 * What the Node-RED runtime knows about devices, gathered for the sidebar: deployed `hik-device`
 * nodes, the vault (metadata only), every running discovery and the runtime's fleet (state, next
 * rotation, who rotates each device, which devices it polls itself and which it is re-claiming,
 * what the last operation on a device's password failed with).
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { HikError } from '../../lib/errors';
import { sharedDiscoveries } from '../../lib/runtime';
import { readDeviceSettings } from '../../nodes/shared/device-settings';
import { openNodeRedFleet } from '../../nodes/shared/fleet-access';
import { hikDeviceMigrations, migrate } from '../../nodes/shared/migrations';
import type { HikDeviceSettings } from '../../nodes/shared/types';
import { buildFleetRows, type ConfiguredDevice, type FleetRow } from './fleet-rows';

export interface FleetSnapshot {
  devices: FleetRow[];
  /** Error code when the vault could not be opened (the table then lacks vault columns). */
  vaultProblem: string | null;
  /** How many discovery services (hik-discover nodes) are running. */
  discovering: number;
}

function deployed(RED: NodeAPI, type: string): (NodeDef & Record<string, unknown>)[] {
  const defs: (NodeDef & Record<string, unknown>)[] = [];
  RED.nodes.eachNode((def) => {
    if (def.type === type && (def as { d?: unknown }).d !== true)
      defs.push(def as NodeDef & Record<string, unknown>);
  });
  return defs;
}

/** Settings of a node def after migration, or null when unusable (its node already warned). */
function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (HikError.isHikError(err)) return null;
    throw err;
  }
}

/** The usable deployed `hik-device` nodes, with their settings. */
export function deployedDevices(RED: NodeAPI): { id: string; settings: HikDeviceSettings }[] {
  return deployed(RED, 'hik-device').flatMap((def) => {
    const result = readOrNull(() => readDeviceSettings(migrate(def, hikDeviceMigrations)));
    return result?.ok ? [{ id: def.id, settings: result.settings }] : [];
  });
}

function configuredDevices(RED: NodeAPI): ConfiguredDevice[] {
  return deployedDevices(RED).map(({ id, settings: s }) => ({
    id,
    name: s.name,
    host: s.host,
    port: s.port,
    serial: s.serial,
  }));
}

export async function fleetSnapshot(RED: NodeAPI): Promise<FleetSnapshot> {
  const { fleet, vaultProblem } = await openNodeRedFleet(RED);
  const discoveries = sharedDiscoveries();
  const polled = fleet.monitor.pollTargets().map((t) => t.serial);
  const monitored = fleet.rows();
  const devices = buildFleetRows({
    configured: configuredDevices(RED),
    records: fleet.vault?.list() ?? [],
    discovered: discoveries.sightings(),
    monitored,
    polled: new Set(polled),
    reclaiming: new Set(polled.filter((serial) => fleet.monitor.isReclaiming(serial))),
    failures: new Map(
      monitored.flatMap((row) => {
        const code = fleet.lastFailure(row.serial);
        return code === null ? [] : [[row.serial, code] as const];
      }),
    ),
    auditOf: (serial) => fleet.row(serial).audit ?? null,
  });
  return { devices, vaultProblem: vaultProblem?.code ?? null, discovering: discoveries.size };
}
