/**
 * The SADP inquiry, byte for byte as the vendor tool sends it (docs/protocol/sadp.md §2): one line, UTF-8, no
 * trailing NUL, a fresh upper-case hyphenated UUID each time.
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from '../xml/xml';

export const SADP_GROUP = '239.255.255.250';
export const SADP_PORT = 37020;

export interface SadpProbe {
  uuid: string;
  datagram: Buffer;
}

export function buildProbe(uuid: string = randomUUID().toUpperCase()): SadpProbe {
  const text = `<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${escapeXml(uuid)}</Uuid><Types>inquiry</Types></Probe>`;
  return { uuid, datagram: Buffer.from(text, 'utf8') };
}
