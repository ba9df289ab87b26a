/**
 * The sidebar's device table, built from what the runtime knows: the deployed `hik-device`
 * config nodes, the vault records, what discovery has seen and the fleet. Pure (no Node-RED, no
 * I/O) and never holds a password. Each row also says whether the owner can re-claim the device
 * now, or why not, so the sidebar offers Re-claim only where the fleet would do it.
 */
import type { DeviceState } from '../../lib/device-vocabulary';
import type { DeviceAudit, DeviceRow } from '../../lib/fleet/fleet';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import type { VaultRecord } from '../../lib/vault/credential-vault';

/** The activation monitor's state when one watches the device, else what SADP last said. */
export type Activation = DeviceState;

/**
 * Whether Re-claim can be asked now: `allowed` (in the vault, and held for inactive by the fleet's
 * own poll), `in_progress`, `not_enrolled` (the vault does not know it: nothing to activate it
 * with), `not_inactive` (its own poll does not hold it for inactive, whatever SADP says).
 */
export type ReclaimAvailability = 'allowed' | 'in_progress' | 'not_enrolled' | 'not_inactive';

export interface FleetRow {
  /** Serial when known, else `config:<id>` or the address discovery saw. */
  key: string;
  serial: string | null;
  name: string | null;
  model: string | null;
  ip: string | null;
  firmware: string | null;
  activation: Activation;
  lastSeen: string | null;
  lastRotation: string | null;
  nextRotation: string | null;
  /** Vault state, or null when the vault does not know the device. */
  vault: VaultRecord['state'] | null;
  /** Id of the `hik-device` config node, when one is deployed for it. */
  configId: string | null;
  /** A `hik-credentials` node looks after it, so Rotate now and Verify can work. */
  managed: boolean;
  reclaim: ReclaimAvailability;
  /**
   * The error code the last rotation, verify or reconcile failed with, or null. With
   * `HIK_ERR_CERT_CHANGED` the sidebar offers to trust the new certificate.
   */
  problem: string | null;
  /** Holders of its password still on an old one ("recorder channel 3"); retried by hik guard. */
  outOfDate: string[];
  /** The last security audit (or SADP triage): worst severity and each finding with its fix. */
  audit: DeviceAudit | null;
}

/** A row before the re-claim question is answered (it needs the merged state). */
type BaseRow = Omit<FleetRow, 'reclaim' | 'problem' | 'outOfDate' | 'audit'>;

export interface ConfiguredDevice {
  id: string;
  name: string;
  host: string;
  port: number | null;
  serial: string | null;
}

export interface FleetSources {
  configured: readonly ConfiguredDevice[];
  /** Vault records with the password fields left out by the caller or not: only metadata is read. */
  records: readonly Pick<
    VaultRecord,
    'serial' | 'host' | 'port' | 'state' | 'lastRotation' | 'lastVerification'
  >[];
  discovered: readonly { device: SadpDevice; lastSeen: number | null }[];
  /**
   * The fleet's rows: its state wins over SADP's flag, and it alone says when a device rotates
   * next and who rotates it (the same answer node status, messages and Home Assistant give).
   */
  monitored: readonly DeviceRow[];
  /** Serials the fleet polls at their own address (a state it holds for them is its poll's). */
  polled: ReadonlySet<string>;
  /** Serials the fleet is re-claiming now. */
  reclaiming: ReadonlySet<string>;
  /** Serial → the error code its last credential operation failed with (the fleet's `lastFailure`). */
  failures: ReadonlyMap<string, string>;
  /** The fleet's last audit of a device (also of one only SADP has seen), or null. Default: none. */
  auditOf?: (serial: string) => DeviceAudit | null;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function activationOf(device: SadpDevice | undefined): Activation {
  if (!device || device.activated === null) return 'unknown';
  return device.activated ? 'active' : 'inactive';
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/** Overlays what an activation monitor knows onto a row (its state is the better evidence). */
function withMonitor(row: BaseRow, monitor: DeviceRow | undefined): BaseRow {
  if (!monitor) return row;
  return {
    ...row,
    name: row.name ?? monitor.name,
    model: row.model ?? monitor.model,
    ip: monitor.ip ?? row.ip,
    firmware: row.firmware ?? monitor.firmware,
    // The fleet's state, once it has one; a device it has not seen yet shows what SADP said.
    activation: monitor.state === 'unknown' ? row.activation : monitor.state,
    lastSeen: later(row.lastSeen, monitor.lastSeen),
    lastRotation: row.lastRotation ?? monitor.lastRotation,
    nextRotation: monitor.nextRotation,
    managed: monitor.rotationOwner !== null,
  };
}

function reclaimOf(row: BaseRow, sources: FleetSources): ReclaimAvailability {
  if (row.vault === null) return 'not_enrolled';
  if (row.serial === null || !sources.polled.has(row.serial) || row.activation !== 'inactive')
    return 'not_inactive';
  return sources.reclaiming.has(row.serial) ? 'in_progress' : 'allowed';
}

export function buildFleetRows(sources: FleetSources): FleetRow[] {
  const bySerial = new Map(sources.monitored.map((m) => [m.serial, m]));
  return mergedRows(sources).map((row) => ({
    ...row,
    reclaim: reclaimOf(row, sources),
    problem: row.serial === null ? null : (sources.failures.get(row.serial) ?? null),
    outOfDate: (row.serial === null ? undefined : bySerial.get(row.serial)?.outOfDate) ?? [],
    audit: row.serial === null ? null : (sources.auditOf?.(row.serial) ?? null),
  }));
}

function mergedRows(sources: FleetSources): BaseRow[] {
  const rows = baseRows(sources);
  const bySerial = new Map(sources.monitored.map((m) => [m.serial, m]));
  const merged = rows.map((row) => withMonitor(row, row.serial ? bySerial.get(row.serial) : undefined));
  const shown = new Set(rows.map((r) => r.serial));
  for (const monitor of sources.monitored) {
    if (shown.has(monitor.serial)) continue;
    merged.push({
      key: monitor.serial,
      serial: monitor.serial,
      name: monitor.name,
      model: monitor.model,
      ip: monitor.ip,
      firmware: monitor.firmware,
      activation: monitor.state,
      lastSeen: monitor.lastSeen,
      lastRotation: monitor.lastRotation,
      nextRotation: monitor.nextRotation,
      vault: (monitor.vaultState as FleetRow['vault']) ?? null,
      configId: null,
      managed: monitor.rotationOwner !== null,
    });
  }
  return merged;
}

function baseRows(sources: FleetSources): BaseRow[] {
  const rows: BaseRow[] = [];
  const usedRecords = new Set<string>();
  const usedDiscovered = new Set<SadpDevice>();
  const findDiscovered = (serial: string | null, host: string | null) =>
    sources.discovered.find(
      (d) => (serial !== null && d.device.serial === serial) || (host !== null && d.device.ipv4 === host),
    );

  for (const config of sources.configured) {
    const record =
      sources.records.find((r) => config.serial !== null && r.serial === config.serial) ??
      sources.records.find((r) => r.host === config.host && (config.port === null || r.port === config.port));
    const serial = config.serial ?? record?.serial ?? null;
    // Two configurations of one device (say, one per flow) are one device: the first names it.
    if (serial !== null && rows.some((row) => row.serial === serial)) continue;
    const seen = findDiscovered(serial, config.host);
    if (record) usedRecords.add(record.serial);
    if (seen) usedDiscovered.add(seen.device);
    const lastRotation = record?.lastRotation ?? null;
    rows.push({
      key: serial ?? `config:${config.id}`,
      serial,
      name: config.name || null,
      model: seen?.device.model ?? null,
      ip: seen?.device.ipv4 ?? config.host,
      firmware: seen?.device.firmware ?? null,
      activation: activationOf(seen?.device),
      lastSeen: iso(seen?.lastSeen ?? null) ?? record?.lastVerification ?? null,
      lastRotation,
      nextRotation: null,
      vault: record?.state ?? null,
      configId: config.id,
      managed: false,
    });
  }
  for (const { device, lastSeen } of sources.discovered) {
    if (usedDiscovered.has(device)) continue;
    const record = sources.records.find((r) => r.serial === device.serial);
    if (record) usedRecords.add(record.serial);
    rows.push({
      key: device.serial ?? `ip:${device.sourceAddress}`,
      serial: device.serial,
      name: null,
      model: device.model,
      ip: device.ipv4 ?? device.sourceAddress,
      firmware: device.firmware,
      activation: activationOf(device),
      lastSeen: iso(lastSeen),
      lastRotation: record?.lastRotation ?? null,
      nextRotation: null,
      vault: record?.state ?? null,
      configId: null,
      managed: false,
    });
  }
  for (const record of sources.records) {
    if (usedRecords.has(record.serial)) continue;
    rows.push({
      key: record.serial,
      serial: record.serial,
      name: null,
      model: null,
      ip: record.host,
      firmware: null,
      activation: 'unknown',
      lastSeen: record.lastVerification,
      lastRotation: record.lastRotation,
      nextRotation: null,
      vault: record.state,
      configId: null,
      managed: false,
    });
  }
  return rows;
}
