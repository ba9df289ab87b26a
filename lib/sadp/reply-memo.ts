/**
 * What a scanner read from each device's reply in its last scan, so that the next scan does not
 * parse the same reply again: a device answers every inquiry with the same bytes apart from the
 * Uuid it echoes, and a watch or a discovery node asks the same devices every minute. A reply whose
 * bytes around the Uuid are those read last time (compared by SHA-256, so the replies themselves
 * are not kept) gets last time's reading with this reply's Uuid; anything else is read afresh
 * (lib/sadp/sadp-datagram.ts). The reading is only reused when the Uuid is plain (letters, digits,
 * dashes) and the reading took it from that very element, so the result is exactly what reading
 * the reply would give. Only the sources heard in the last scan are remembered.
 */
import { hash } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { splitAroundUuid } from './repeat-filter';
import { readSadpDatagram, type SadpDatagram } from './sadp-datagram';

type Sighting = Extract<SadpDatagram, { device: unknown }>;

interface Reading {
  /** Whether the reply has a Uuid element, and SHA-256 of what comes before and after it. */
  digest: string;
  datagram: Sighting;
}

const PLAIN_UUID = /^[0-9A-Za-z-]{1,64}$/;

export class ReplyMemo {
  private previous = new Map<string, Reading>();
  private current = new Map<string, Reading>();

  /** What the datagram says: last scan's reading when only its Uuid changed, else read afresh. */
  read(bytes: Buffer, source: Pick<RemoteInfo, 'address' | 'port'>): SadpDatagram {
    const key = `${source.address}:${source.port}`;
    const body = splitAroundUuid(bytes);
    const uuid = body.uuid === null ? null : plainUuid(body.uuid);
    // A Uuid element that is not plain is never reused: read afresh, remember nothing.
    if (body.uuid !== null && uuid === null) return readSadpDatagram(bytes, source);
    // One-shot hashes (a hash object per reply costs the garbage collector more than the hashing).
    const digest =
      (body.uuid === null ? '-' : '+') +
      hash('sha256', body.head, 'base64') +
      hash('sha256', body.tail, 'base64');
    const earlier = this.current.get(key) ?? this.previous.get(key);
    if (earlier?.digest === digest) {
      const reused = uuid === null ? earlier.datagram : withNewUuid(earlier.datagram, uuid);
      // Kept as the reading from now on: the fleet holds this one, the older copy can go.
      this.current.set(key, { digest, datagram: reused });
      return reused;
    }
    const datagram = readSadpDatagram(bytes, source);
    if (datagram.kind === 'probeMatch' || datagram.kind === 'hello') {
      const fromElement = uuid !== null && datagram.uuid === uuid && datagram.device.raw.Uuid === uuid;
      if (body.uuid === null || fromElement) this.current.set(key, { digest, datagram });
    }
    return datagram;
  }

  /** A scan ended: from now on remember only the sources it heard. */
  rollOver(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

function plainUuid(bytes: Buffer): string | null {
  const text = bytes.toString('latin1');
  return PLAIN_UUID.test(text) ? text : null;
}

/** The same reading with another Uuid, in `uuid` and in `raw` (where it appears as sent). */
function withNewUuid(datagram: Sighting, uuid: string): Sighting {
  const device = { ...datagram.device, raw: { ...datagram.device.raw, Uuid: uuid } };
  return { kind: datagram.kind, uuid, device };
}
