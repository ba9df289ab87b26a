/**
 * The read-only fleet view of this process: every device any monitor (hik-reset node, CLI watch)
 * knows, one row per serial, for the editor sidebar and dashboards. Monitors register a row source
 * and call `changed()`; readers call `list()` and may subscribe to changes. Rows hold no secret.
 */
import type { MonitorState } from './monitor-types';

export interface FleetViewRow {
  serial: string;
  name: string | null;
  model: string | null;
  ip: string | null;
  firmware: string | null;
  state: MonitorState;
  /** ISO time the state began. */
  since: string;
  /** ISO times, null when unknown. */
  lastSeen: string | null;
  lastRotation: string | null;
  nextRotation: string | null;
  /** The vault record's state (`ok`, `pending`, `needs_attention`), or null when not enrolled. */
  vaultState: string | null;
}

export type FleetViewSource = () => FleetViewRow[];

export class FleetView {
  private readonly sources = new Map<string, FleetViewSource>();
  private readonly listeners = new Set<() => void>();

  /** Adds (or replaces) the rows of `id`; returns the function that removes them. */
  register(id: string, source: FleetViewSource): () => void {
    this.sources.set(id, source);
    this.changed();
    return () => {
      if (this.sources.get(id) === source && this.sources.delete(id)) this.changed();
    };
  }

  /** Every known device, one row per serial (the most recently seen when sources disagree). */
  list(): FleetViewRow[] {
    const bySerial = new Map<string, FleetViewRow>();
    for (const source of this.sources.values()) {
      for (const row of source()) {
        const known = bySerial.get(row.serial);
        if (!known || (row.lastSeen ?? '') > (known.lastSeen ?? '')) bySerial.set(row.serial, { ...row });
      }
    }
    return [...bySerial.values()].sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }
}
