/**
 * The discovery services running in this process (one per hik-discover node), so that one place
 * (the editor sidebar, a device dialog's pick list) can list what any of them has seen and ask
 * all of them to scan, without opening sockets of its own on interfaces nobody configured.
 */
import { deviceKey, type SadpDevice } from './sadp-device';
import type { DiscoveryService } from './discovery-service';

export type DiscoveryListener = () => void;

export interface DiscoverySighting {
  device: SadpDevice;
  /** ms since the epoch, null when the fleet does not say. */
  lastSeen: number | null;
}

export class DiscoveryRegistry {
  private readonly services = new Set<DiscoveryService>();
  private readonly listeners = new Set<DiscoveryListener>();

  add(service: DiscoveryService): void {
    this.services.add(service);
    this.changed();
  }

  delete(service: DiscoveryService): void {
    if (this.services.delete(service)) this.changed();
  }

  get size(): number {
    return this.services.size;
  }

  /** Every device any service currently knows, one per serial (MAC as fallback), newest sighting. */
  sightings(): DiscoverySighting[] {
    const byKey = new Map<string, DiscoverySighting>();
    for (const service of this.services) {
      for (const device of service.fleet.devices()) {
        const key = deviceKey(device);
        if (key === null) continue;
        const lastSeen = service.fleet.lastSeen(key);
        const known = byKey.get(key);
        if (!known || (lastSeen ?? 0) > (known.lastSeen ?? 0)) byKey.set(key, { device, lastSeen });
      }
    }
    return [...byKey.values()];
  }

  devices(): SadpDevice[] {
    return this.sightings().map((s) => s.device);
  }

  /** One scan on every service; the failures of some do not hide the answers of the others. */
  async scanAll(): Promise<{ devices: SadpDevice[]; failures: Error[] }> {
    const outcomes = await Promise.allSettled([...this.services].map((s) => s.scan()));
    const failures = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason instanceof Error ? o.reason : new Error(String(o.reason))] : [],
    );
    this.changed();
    return { devices: this.devices(), failures };
  }

  /** Called whenever a service saw a change; returns the unsubscribe function. */
  onChange(listener: DiscoveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A service reports that its fleet changed (events, scans). */
  changed(): void {
    for (const listener of this.listeners) listener();
  }
}
