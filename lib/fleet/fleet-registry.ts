/**
 * The fleets of a process, one per runtime key (a Node-RED runtime's vault file): created on first
 * use, shared by every node of that runtime, kept across deploys. A fleet whose vault was closed
 * (the runtime stopped, a test ended) is stopped and made anew on the next use. A failed creation
 * is not remembered, so the next caller tries again.
 */
import type { Fleet } from './fleet';

export class FleetRegistry {
  private readonly fleets = new Map<string, Promise<Fleet>>();

  async open(key: string, create: () => Promise<Fleet>): Promise<Fleet> {
    const known = this.fleets.get(key);
    if (known) {
      const fleet = await known.catch(() => null);
      if (fleet && !fleet.isStopped && !fleet.vault?.isClosed) return fleet;
      if (this.fleets.get(key) === known) this.fleets.delete(key);
      if (fleet && !fleet.isStopped) await fleet.stop();
      return this.open(key, create);
    }
    const created = create();
    this.fleets.set(key, created);
    try {
      return await created;
    } catch (err) {
      if (this.fleets.get(key) === created) this.fleets.delete(key);
      throw err;
    }
  }

  /** The fleets open now (the sidebar reads them). */
  async all(): Promise<Fleet[]> {
    const settled = await Promise.allSettled([...this.fleets.values()]);
    return settled.flatMap((s) =>
      s.status === 'fulfilled' && !s.value.isStopped && !s.value.vault?.isClosed ? [s.value] : [],
    );
  }
}
