/**
 * The normalised view of one device as SADP announces it. Field names are ours; the element
 * names they come from are in `raw` (first occurrence of each, as sent). Anything the datagram
 * did not say is null — never a guess: a missing `Activated` means "unknown" (pre-2015
 * firmware), not "inactive".
 */

/** How the datagram reached us: a reply to an inquiry, or an unsolicited boot announcement. */
export type SadpMessageKind = 'probeMatch' | 'hello';

export interface SadpDevice {
  /** `DeviceSN`: model + production date + serial, the device's identity. */
  serial: string | null;
  /** Lower-case colon form (`c0:56:e3:fe:42:92`), whatever separator the firmware used. */
  mac: string | null;
  /** `DeviceDescription`: the model string, e.g. `DS-2CD2432F-IW`. */
  model: string | null;
  /** `DeviceType`: the numeric family code (first occurrence; some firmware repeats it). */
  deviceTypeCode: number | null;
  /** The IPv4 configuration the device reports (may disagree with `sourceAddress`). */
  ipv4: string | null;
  ipv4Mask: string | null;
  ipv4Gateway: string | null;
  /** Null when absent or `::` (unset). */
  ipv6: string | null;
  dhcp: boolean | null;
  httpPort: number | null;
  commandPort: number | null;
  sdkOverTlsPort: number | null;
  /** `SoftwareVersion` with a single space before `build`: `V5.6.2 build 190701`. */
  firmware: string | null;
  dspVersion: string | null;
  /** `BootTime` as the device's wall clock says it (`YYYY-MM-DD HH:MM:SS`, no time zone). */
  bootTime: string | null;
  /** true activated, false factory state (claimable by anyone on the LAN), null unknown. */
  activated: boolean | null;
  passwordResetAbility: boolean | null;
  analogChannels: number | null;
  digitalChannels: number | null;
  /** The address and port the datagram came from. */
  sourceAddress: string;
  sourcePort: number;
  /** The local interface address it arrived on, when known (filled in by the client). */
  interfaceAddress: string | null;
  /** True when the reported IPv4 is outside that interface's subnet (e.g. a reset camera on 192.168.1.64). */
  offSubnet: boolean | null;
  /** Every element of the datagram, first occurrence, text as sent (trimmed). */
  raw: Readonly<Record<string, string>>;
}

/** Identity across IP changes: the serial, or the MAC when a device sends no serial. */
export function deviceKey(device: Pick<SadpDevice, 'serial' | 'mac'>): string | null {
  if (device.serial) return `sn:${device.serial}`;
  if (device.mac) return `mac:${device.mac}`;
  return null;
}

const MAC =
  /^([0-9a-f]{2})[-:]?([0-9a-f]{2})[-:]?([0-9a-f]{2})[-:]?([0-9a-f]{2})[-:]?([0-9a-f]{2})[-:]?([0-9a-f]{2})$/i;

/** `C0-56-E3-FE-42-92`, `c0:56:…` or bare hex → `c0:56:e3:fe:42:92`; anything else null. */
export function normaliseMac(text: string | null): string | null {
  const match = text === null ? null : MAC.exec(text.trim());
  return match ? match.slice(1, 7).join(':').toLowerCase() : null;
}

/** `V5.6.2build 190701` and `V5.6.2 build 190701` → `V5.6.2 build 190701`; others trimmed. */
export function normaliseVersion(text: string | null): string | null {
  if (text === null) return null;
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return null;
  return trimmed.replace(/\s*,?\s*build\s*/i, ' build ');
}
