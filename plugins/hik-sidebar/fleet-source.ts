/**
 * What the Node-RED runtime knows about devices, gathered for the sidebar: deployed `hik-device`
 * and `hik-credentials` nodes, the vault (metadata only) and every running discovery. Also finds
 * the `hik-credentials` node that looks after a device, so the sidebar's actions go through it
 * (its vault, its locks, the login-attempt guard) rather than around it.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { HikError } from '../../lib/errors';
import type { SchedulePlan } from '../../lib/rotation/rotation-schedule';
import { sharedDiscoveries, sharedFleetView } from '../../lib/runtime';
import type { VaultRecord } from '../../lib/vault/credential-vault';
import { readCredentialsSettings } from '../../nodes/shared/credentials-settings';
import { readDeviceSettings } from '../../nodes/shared/device-settings';
import { hikCredentialsMigrations, hikDeviceMigrations, migrate } from '../../nodes/shared/migrations';
import { openNodeRedVault } from '../../nodes/shared/vault-access';
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

function configuredDevices(RED: NodeAPI): ConfiguredDevice[] {
  return deployed(RED, 'hik-device').flatMap((def) => {
    const result = readOrNull(() => readDeviceSettings(migrate(def, hikDeviceMigrations)));
    if (!result?.ok) return [];
    const s = result.settings;
    return [{ id: def.id, name: s.name, host: s.host, port: s.port, serial: s.serial }];
  });
}

/** Rotation plan per hik-device id, and which hik-credentials node manages it. */
function plans(RED: NodeAPI): Map<string, { plan: SchedulePlan; owner: string }> {
  const out = new Map<string, { plan: SchedulePlan; owner: string }>();
  for (const def of deployed(RED, 'hik-credentials')) {
    const result = readOrNull(() => readCredentialsSettings(migrate(def, hikCredentialsMigrations)));
    if (!result?.ok) continue;
    for (const ref of result.settings.devices) {
      if (!out.has(ref.device)) out.set(ref.device, { plan: result.settings.plan, owner: def.id });
    }
  }
  return out;
}

async function vaultRecords(RED: NodeAPI): Promise<{ records: VaultRecord[]; problem: string | null }> {
  try {
    return { records: (await openNodeRedVault(RED)).list(), problem: null };
  } catch (err) {
    if (!HikError.isHikError(err)) throw err;
    return { records: [], problem: err.code };
  }
}

export async function fleetSnapshot(RED: NodeAPI, now = new Date()): Promise<FleetSnapshot> {
  const { records, problem } = await vaultRecords(RED);
  const planById = new Map([...plans(RED)].map(([id, p]) => [id, p.plan]));
  const discoveries = sharedDiscoveries();
  const devices = buildFleetRows({
    configured: configuredDevices(RED),
    records,
    discovered: discoveries.sightings(),
    plans: planById,
    monitored: sharedFleetView().list(),
    now,
  });
  return { devices, vaultProblem: problem, discovering: discoveries.size };
}

/** The running hik-credentials node that looks after the device with this serial, or null. */
export async function credentialsNodeFor(RED: NodeAPI, serial: string): Promise<Node | null> {
  const { devices } = await fleetSnapshot(RED);
  const row = devices.find((d) => d.serial === serial && d.configId !== null);
  if (!row?.configId) return null;
  const owner = plans(RED).get(row.configId)?.owner;
  return owner ? RED.nodes.getNode(owner) : null;
}
