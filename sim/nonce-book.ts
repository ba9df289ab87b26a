/**
 * The nonces a device has handed out since boot. Hikvision devices accept a WWW-Authenticate nonce
 * once (encode/httpx#2549), so by default a nonce is spent by its first use; a reused or unknown
 * nonce is answered with a fresh challenge marked stale. Bounded, so a flood of unauthenticated
 * probes cannot grow it without limit (the oldest nonces are forgotten first).
 */
import { makeNonce, type NonceStyle } from './digest-challenge';

const CAPACITY = 4096;

export class NonceBook {
  /** nonce → spent? Insertion order is issue order, which eviction relies on. */
  private readonly issued = new Map<string, boolean>();

  constructor(
    private readonly style: NonceStyle,
    private readonly singleUse: boolean,
    private readonly clock: () => number,
  ) {}

  issue(): string {
    const nonce = makeNonce(this.style, this.clock());
    this.issued.set(nonce, false);
    if (this.issued.size > CAPACITY) this.issued.delete(this.issued.keys().next().value as string);
    return nonce;
  }

  /** True when the nonce may be used now; spends it when nonces are single-use. */
  redeem(nonce: string): boolean {
    const spent = this.issued.get(nonce);
    if (spent === undefined || spent) return false;
    if (this.singleUse) this.issued.set(nonce, true);
    return true;
  }

  /** A reboot forgets every nonce. */
  clear(): void {
    this.issued.clear();
  }
}
