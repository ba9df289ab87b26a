/**
 * Our own ProbeMatch / Hello text for a simulated device, shaped on the real captures in docs/protocol/sadp.md
 * §4 (legacy sample A when the firmware predates activation, modern sample B otherwise) with the
 * device's quirks applied. The element set and order follow those captures; values come from the
 * device's identity and live state.
 */
import { createHash } from 'node:crypto';
import type { SimDevice } from '../sim-device';
import { escapeXml } from '../sim-xml';
import type { ResolvedSadpQuirks } from './sadp-quirks';

export interface AdvertisedNetwork {
  address: string;
  netmask: string;
  gateway: string;
}

/** Codes seen in captures (docs/protocol/sadp.md §3); which code means which family is not recorded. */
const DEVICE_TYPE_CODES = { IPCamera: 141945, IPDome: 142378, NVR: 44322 } as const;

export function probeMatchXml(
  device: SimDevice,
  kind: 'probeMatch' | 'hello',
  uuid: string | null,
  network: AdvertisedNetwork,
  quirks: ResolvedSadpQuirks,
): string {
  const { identity } = device.profile;
  const bool = (value: boolean): string => (value ? 'true' : quirks.flase ? 'flase' : 'false');
  const typeCode = String(DEVICE_TYPE_CODES[identity.deviceType]);
  const build = /(\d{6})\s*$/.exec(identity.firmwareReleasedDate)?.[1] ?? '000000';
  const isNvr = identity.deviceType === 'NVR';
  const fields: [string, string][] = [];
  if (uuid !== null) fields.push(['Uuid', quirks.lowercaseUuid ? uuid.toLowerCase() : uuid]);
  fields.push(
    ['Types', kind === 'hello' ? 'hello' : 'inquiry'],
    ['DeviceType', typeCode],
    ['DeviceDescription', identity.model],
    ['DeviceSN', identity.serialNumber],
    ['CommandPort', '8000'],
    ['HttpPort', String(device.port ?? 80)],
    ['MAC', formatMac(identity.macAddress, quirks)],
    ['IPv4Address', network.address],
    ['IPv4SubnetMask', network.netmask],
    ['IPv4Gateway', network.gateway],
    ['IPv6Address', '::'],
    ['IPv6Gateway', '::'],
    ['IPv6MaskLen', '64'],
    ['DHCP', bool(false)],
    ['AnalogChannelNum', '0'],
    ['DigitalChannelNum', String(isNvr ? Math.max(8, device.state.channels.length) : 1)],
    ['SoftwareVersion', `${identity.firmwareVersion}${quirks.compactBuild ? '' : ' '}build ${build}`],
    ['DSPVersion', isNvr ? 'V5.0, build 230619' : 'V7.3 build 190626'],
    ['BootTime', bootTime(device.state.bootTime)],
  );
  if (quirks.duplicateDeviceType) fields.push(['DeviceType', typeCode]);
  if (!quirks.noActivatedElement) {
    fields.push(
      ['Encrypt', 'true'],
      ['ResetAbility', bool(false)],
      ['DiskNumber', isNvr ? '1' : '0'],
      ['Activated', bool(device.state.activated)],
      ['PasswordResetAbility', 'true'],
      ['PasswordResetModeSecond', 'true'],
      ['DetailOEMCode', '1'],
      ['SupportSecurityQuestion', 'true'],
      ['SupportHCPlatform', 'true'],
      ['HCPlatformEnable', bool(false)],
      ['IsModifyVerificationCode', bool(false)],
      ['Salt', createHash('sha256').update(identity.serialNumber).digest('hex')],
      ['DeviceLock', 'true'],
      ['SDKOverTLSPort', '8443'],
      ['SDKServerStatus', 'true'],
      ['SDKOverTLSServerStatus', 'true'],
      ['SupportMailBox', 'true'],
    );
  }
  const eol = quirks.crlf ? '\r\n' : '\n';
  const root = kind === 'hello' ? 'Hello' : 'ProbeMatch';
  const declaration = `<?xml version="1.0" encoding="UTF-8"${quirks.spaceBeforeDeclarationEnd ? ' ' : ''}?>`;
  const body = fields.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join(eol);
  return `${declaration}${eol}<${root}>${eol}${body}${eol}</${root}>${eol}`;
}

function formatMac(mac: string, quirks: ResolvedSadpQuirks): string {
  const hex = mac.toLowerCase().split(/[-:]/);
  if (quirks.macStyle === 'colon') return hex.join(':');
  const dashed = hex.join('-');
  return quirks.macStyle === 'dash-upper' ? dashed.toUpperCase() : dashed;
}

/** `YYYY-MM-DD HH:MM:SS` of the device clock (UTC here; devices use their own zone). */
function bootTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}
