/**
 * The Home Assistant links of this process, keyed by config node id: the first holder to
 * `acquire` creates and starts the link, the last to `release` stops it (bounded), and `close`
 * ends a link whatever its holders (the config node being redeployed or removed).
 */
import type { HaLink } from './ha-link';

interface Entry {
  readonly link: HaLink;
  readonly holders: Set<string>;
}

export class HaLinkRegistry {
  private readonly entries = new Map<string, Entry>();

  /** The link under `key`, created by `create` (and started) if there is none yet. */
  acquire(key: string, holder: string, create: () => HaLink): HaLink {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { link: create(), holders: new Set() };
      this.entries.set(key, entry);
      entry.link.start();
    }
    entry.holders.add(holder);
    return entry.link;
  }

  get(key: string): HaLink | undefined {
    return this.entries.get(key)?.link;
  }

  holders(key: string): number {
    return this.entries.get(key)?.holders.size ?? 0;
  }

  /** Drops one holder; the last one out stops the link. */
  async release(key: string, holder: string, timeoutMs = 3000): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.holders.delete(holder);
    if (entry.holders.size === 0) await this.close(key, timeoutMs);
  }

  /** Stops and forgets the link under `key`; resolves within about `timeoutMs`. */
  async close(key: string, timeoutMs = 3000): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    await entry.link.stop(timeoutMs);
  }
}
