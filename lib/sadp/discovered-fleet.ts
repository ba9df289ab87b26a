/**
 * What discovery has seen so far, keyed by serial (MAC as fallback), and the events that tell a
 * flow what changed: `added`, `changed` (IP, ports, firmware, activation, …), `rebooted` (boot
 * time moved), `inactive` (the device says it is in factory state — claimable by anyone) and
 * `gone` (unseen for `goneAfterMs`, default 45 s like the vendor tool, or for `goneAfterScans`
 * scans in a row when set).
 */
import { InvalidArgumentError } from '../errors';
import { deviceKey, type SadpDevice } from './sadp-device';

export type FleetEventTopic = 'added' | 'changed' | 'rebooted' | 'inactive' | 'gone';

export interface FleetEvent {
  topic: FleetEventTopic;
  device: SadpDevice;
  /** The previous sighting, for everything but `added`. */
  previous: SadpDevice | null;
  /** Names of the fields that changed (`changed`, `rebooted`, `inactive`); empty otherwise. */
  changes: (keyof SadpDevice)[];
}

export interface DiscoveredFleetOptions {
  goneAfterMs?: number;
  /** 0 (default) = only the time limit applies. */
  goneAfterScans?: number;
  clock?: () => number;
}

/** Fields whose change is worth an event; source port and raw text are not. */
const WATCHED: readonly (keyof SadpDevice)[] = [
  'ipv4',
  'ipv4Mask',
  'ipv4Gateway',
  'dhcp',
  'httpPort',
  'commandPort',
  'sdkOverTlsPort',
  'firmware',
  'dspVersion',
  'model',
  'mac',
  'activated',
  'bootTime',
  'sourceAddress',
  'offSubnet',
];

interface Entry {
  device: SadpDevice;
  lastSeen: number;
  missedScans: number;
}

export class DiscoveredFleet {
  private readonly entries = new Map<string, Entry>();
  private readonly goneAfterMs: number;
  private readonly goneAfterScans: number;
  private readonly clock: () => number;

  constructor(options: DiscoveredFleetOptions = {}) {
    this.goneAfterMs = options.goneAfterMs ?? 45_000;
    this.goneAfterScans = options.goneAfterScans ?? 0;
    if (!Number.isInteger(this.goneAfterMs) || this.goneAfterMs < 1)
      throw new InvalidArgumentError('goneAfterMs must be a positive whole number');
    if (!Number.isInteger(this.goneAfterScans) || this.goneAfterScans < 0)
      throw new InvalidArgumentError('goneAfterScans must be a whole number >= 0');
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Devices now known, in the order first seen. */
  devices(): SadpDevice[] {
    return [...this.entries.values()].map((e) => e.device);
  }

  /** When the device with this key (`deviceKey`) was last seen (ms), or null when unknown. */
  lastSeen(key: string): number | null {
    return this.entries.get(key)?.lastSeen ?? null;
  }

  inactiveCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.device.activated === false) n += 1;
    return n;
  }

  /** One device seen (a scan reply or a passive Hello). */
  sighted(device: SadpDevice): FleetEvent[] {
    const key = deviceKey(device);
    if (key === null) return [];
    const now = this.clock();
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { device, lastSeen: now, missedScans: 0 });
      const events: FleetEvent[] = [{ topic: 'added', device, previous: null, changes: [] }];
      if (device.activated === false) events.push({ topic: 'inactive', device, previous: null, changes: [] });
      return events;
    }
    const previous = entry.device;
    entry.device = device;
    entry.lastSeen = now;
    entry.missedScans = 0;
    const changes = WATCHED.filter((field) => device[field] !== previous[field]);
    if (changes.length === 0) return [];
    const events: FleetEvent[] = [{ topic: 'changed', device, previous, changes }];
    if (changes.includes('bootTime') && previous.bootTime !== null && device.bootTime !== null) {
      events.push({ topic: 'rebooted', device, previous, changes });
    }
    if (changes.includes('activated') && device.activated === false) {
      events.push({ topic: 'inactive', device, previous, changes });
    }
    return events;
  }

  /** A whole scan: every reply as a sighting, then anyone missing long enough is gone. */
  scanned(devices: readonly SadpDevice[]): FleetEvent[] {
    const seen = new Set<string>();
    const events: FleetEvent[] = [];
    for (const device of devices) {
      const key = deviceKey(device);
      if (key !== null) seen.add(key);
      events.push(...this.sighted(device));
    }
    for (const [key, entry] of this.entries) if (!seen.has(key)) entry.missedScans += 1;
    return [...events, ...this.expire()];
  }

  /** Removes devices unseen for too long; call it on a timer when only listening passively. */
  expire(): FleetEvent[] {
    const now = this.clock();
    const events: FleetEvent[] = [];
    for (const [key, entry] of this.entries) {
      const tooLong = now - entry.lastSeen >= this.goneAfterMs;
      const tooManyScans = this.goneAfterScans > 0 && entry.missedScans >= this.goneAfterScans;
      if (tooLong || tooManyScans) {
        this.entries.delete(key);
        events.push({ topic: 'gone', device: entry.device, previous: entry.device, changes: [] });
      }
    }
    return events;
  }

  /** Forgets everything (e.g. when a node is removed). */
  clear(): void {
    this.entries.clear();
  }
}
