/**
 * Recognises a reply already seen in this scan: the same source sending the same bytes apart from
 * the echoed Uuid (each repeated inquiry carries a fresh one). Such repeats are skipped before the
 * XML parser, which is what keeps a scan of 1,000 devices × 3 inquiries affordable.
 */
import type { RemoteInfo } from 'node:dgram';

const UUID_OPEN = Buffer.from('<Uuid>');
const UUID_CLOSE = Buffer.from('</Uuid>');
/** A device has one reply; a source sending many different ones is not worth remembering them all. */
const MAX_BODIES_PER_SOURCE = 4;

/** The datagram around its Uuid element, as views (no copy). */
interface Body {
  head: Buffer;
  tail: Buffer;
}

export class RepeatFilter {
  private readonly bySource = new Map<string, Body[]>();

  /** True when this source already sent these bytes (Uuid aside); remembers them otherwise. */
  seen(bytes: Buffer, source: Pick<RemoteInfo, 'address' | 'port'>): boolean {
    const key = `${source.address}:${source.port}`;
    const body = splitAroundUuid(bytes);
    const earlier = this.bySource.get(key);
    if (earlier?.some((b) => b.head.equals(body.head) && b.tail.equals(body.tail))) return true;
    if (!earlier) this.bySource.set(key, [body]);
    else if (earlier.length < MAX_BODIES_PER_SOURCE) earlier.push(body);
    return false;
  }
}

/** The datagram around its first `<Uuid>` element, and that element's content (all of it when none). */
export function splitAroundUuid(bytes: Buffer): Body & { uuid: Buffer | null } {
  const open = bytes.indexOf(UUID_OPEN);
  const close = open === -1 ? -1 : bytes.indexOf(UUID_CLOSE, open);
  if (close === -1) return { head: bytes, tail: bytes.subarray(bytes.length), uuid: null };
  return {
    head: bytes.subarray(0, open),
    tail: bytes.subarray(close + UUID_CLOSE.length),
    uuid: bytes.subarray(open + UUID_OPEN.length, close),
  };
}
