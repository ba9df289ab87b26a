/**
 * Reads one UDP datagram as SADP, leniently (docs/protocol/sadp.md §5): element names in any case, duplicates
 * (first wins), `flase`, CRLF, a space before `?>`, dash or colon MACs, `V5.6.2build 190701`.
 * Everything arriving on 37020 is untrusted: oversized, non-XML or identity-less datagrams are
 * returned as a drop with a reason for the caller to count, never thrown (the fuzz tests hold
 * it to that). Each drop is traced (`NODE_DEBUG=hik-guard`) with its reason, source and size only.
 */
import { trace } from '../diagnostics';
import { HikError } from '../errors';
import { parseXml, parseXmlBoolean, parseXmlInt, type XmlElement } from '../xml/xml';
import { normaliseMac, normaliseVersion, type SadpDevice, type SadpMessageKind } from './sadp-device';

/** A full modern reply is about 1.6 KB; anything far bigger is not a device talking. */
export const MAX_SADP_DATAGRAM_BYTES = 16 * 1024;

export type SadpDropReason = 'tooLarge' | 'notXml' | 'malformed' | 'notSadp' | 'noIdentity';

export const SADP_DROP_REASONS: readonly SadpDropReason[] = [
  'tooLarge',
  'notXml',
  'malformed',
  'notSadp',
  'noIdentity',
];

export type SadpDatagram =
  | { kind: SadpMessageKind; uuid: string | null; device: SadpDevice }
  /** Another client's inquiry, or a command reply (`Types` = getcode, activate, …): not a sighting. */
  | { kind: 'other'; types: string | null }
  | { kind: 'dropped'; reason: SadpDropReason };

export interface DatagramSource {
  address: string;
  port: number;
}

export function readSadpDatagram(bytes: Buffer, source: DatagramSource): SadpDatagram {
  if (bytes.length > MAX_SADP_DATAGRAM_BYTES) return dropped('tooLarge', bytes, source);
  if (!startsWithMarkup(bytes)) return dropped('notXml', bytes, source);
  let root: XmlElement;
  try {
    root = parseXml(bytes, { maxBytes: MAX_SADP_DATAGRAM_BYTES });
  } catch (err: unknown) {
    // parseXml throws only XmlParseError / BodyTooLargeError; anything else is a bug to surface.
    if (HikError.isHikError(err)) return dropped('malformed', bytes, source);
    throw err;
  }
  const rootName = root.name.toLowerCase();
  const fields = collectFields(root);
  const types = fields.get('types') ?? null;
  if (rootName === 'probe') return { kind: 'other', types };
  if (rootName !== 'probematch' && rootName !== 'hello') return dropped('notSadp', bytes, source);
  const kind: SadpMessageKind = rootName === 'hello' ? 'hello' : 'probeMatch';
  // Command replies are ProbeMatches too; only inquiry answers and announcements describe a device.
  const typeWord = (types ?? '').toLowerCase();
  if (types !== null && !typeWord.startsWith('inquiry') && typeWord !== 'hello') {
    return { kind: 'other', types };
  }
  const device = toDevice(fields, source);
  if (device.serial === null && device.mac === null) return dropped('noIdentity', bytes, source);
  return { kind, uuid: fields.get('uuid') ?? null, device };
}

/** Never the content: a datagram on 37020 may be anything, including someone else's secrets. */
function dropped(reason: SadpDropReason, bytes: Buffer, source: DatagramSource): SadpDatagram {
  trace('sadp', 'datagram dropped', {
    reason,
    from: `${source.address}:${source.port}`,
    bytes: bytes.length,
  });
  return { kind: 'dropped', reason };
}

/** Cheap pre-check so binary junk never reaches the XML parser: first non-blank byte is `<`. */
function startsWithMarkup(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length && i < 64; i++) {
    const b = bytes[i];
    if (b === 0x3c) return true;
    // BOM (EF BB BF) and whitespace may precede the declaration.
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf)
      return false;
  }
  return false;
}

/** Leaf elements directly under the root, by lower-cased name; first occurrence wins. */
interface Fields {
  get(lowerName: string): string | undefined;
  raw: Record<string, string>;
}

function collectFields(root: XmlElement): Fields {
  const byLower = new Map<string, string>();
  const raw: Record<string, string> = {};
  for (const child of root.children) {
    if (child.children.length > 0) continue;
    const lower = child.name.toLowerCase();
    if (byLower.has(lower)) continue;
    const text = detached(child.text);
    byLower.set(lower, text);
    raw[child.name] = text;
  }
  return { get: (name) => byLower.get(name), raw };
}

/**
 * The same text, not cut from the datagram. V8 may keep a longer substring as a view of the whole
 * string it came from; a device's fields outlive the scan (the fleet and the monitor keep them),
 * and each would keep its whole reply alive (measured: two 1.5 KB replies per device).
 * Concatenating makes a new string, and the slice is then a view of that copy only.
 */
function detached(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

function toDevice(fields: Fields, source: DatagramSource): SadpDevice {
  const text = (name: string): string | null => {
    const value = fields.get(name);
    return value === undefined || value === '' ? null : value;
  };
  const int = (name: string): number | null => parseXmlInt(text(name));
  const bool = (name: string): boolean | null => parseXmlBoolean(text(name));
  const ipv6 = text('ipv6address');
  return {
    serial: text('devicesn'),
    mac: normaliseMac(text('mac')),
    model: text('devicedescription'),
    deviceTypeCode: int('devicetype'),
    ipv4: text('ipv4address'),
    ipv4Mask: text('ipv4subnetmask'),
    ipv4Gateway: text('ipv4gateway'),
    ipv6: ipv6 === '::' ? null : ipv6,
    dhcp: bool('dhcp'),
    httpPort: int('httpport'),
    commandPort: int('commandport'),
    sdkOverTlsPort: int('sdkovertlsport'),
    firmware: normaliseVersion(text('softwareversion')),
    dspVersion: normaliseVersion(text('dspversion')),
    bootTime: text('boottime'),
    activated: bool('activated'),
    passwordResetAbility: bool('passwordresetability'),
    analogChannels: int('analogchannelnum'),
    digitalChannels: int('digitalchannelnum'),
    sourceAddress: source.address,
    sourcePort: source.port,
    interfaceAddress: null,
    offSubnet: null,
    raw: fields.raw,
  };
}
