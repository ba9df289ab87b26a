/** System endpoints: identity, activation state, reboot. */
import { IsapiStatusError, NotSupportedError, ProtocolError, XmlParseError } from '../../errors';
import type { XmlElement } from '../../xml/xml';
import type { IsapiClient } from '../isapi-client';

export interface DeviceInfo {
  serial: string;
  model: string;
  deviceName: string | null;
  deviceType: string | null;
  mac: string | null;
  /** Firmware version and build as one string, e.g. `V5.7.18 build 240826`. */
  firmware: string | null;
  firmwareVersion: string | null;
  firmwareBuild: string | null;
  deviceId: string | null;
}

export async function getDeviceInfo(client: IsapiClient): Promise<DeviceInfo> {
  const root = await client.requestXml('GET', '/ISAPI/System/deviceInfo');
  const info = readDeviceInfo(root);
  client.adoptSerial(info.serial);
  return info;
}

export function readDeviceInfo(root: XmlElement): DeviceInfo {
  const serial = root.textAt('serialNumber');
  const model = root.textAt('model');
  if (root.name !== 'DeviceInfo' || !serial || !model) {
    throw new ProtocolError('deviceInfo answer lacks a DeviceInfo with serialNumber and model');
  }
  const firmwareVersion = root.textAt('firmwareVersion') || null;
  const firmwareBuild = root.textAt('firmwareReleasedDate') || null;
  return {
    serial,
    model,
    deviceName: root.textAt('deviceName'),
    deviceType: root.textAt('deviceType'),
    mac: normaliseMac(root.textAt('macAddress')),
    firmware: [firmwareVersion, firmwareBuild].filter(Boolean).join(' ') || null,
    firmwareVersion,
    firmwareBuild,
    deviceId: root.textAt('deviceID'),
  };
}

function normaliseMac(mac: string | null): string | null {
  if (!mac) return null;
  const hex = mac.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return hex.length === 12 ? hex.replace(/(..)(?!$)/g, '$1:') : mac;
}

/**
 * Whether the device is activated, asked without authentication (costs no login attempt).
 * Null (unknown) when the firmware does not offer the endpoint without a login, or answers
 * something unreadable; a reported lock or an unreachable device still throws.
 */
export async function getActivationStatus(client: IsapiClient): Promise<boolean | null> {
  try {
    const root = await client.requestXml('GET', '/SDK/activateStatus', { auth: false });
    return root.boolAt('Activated') ?? root.boolAt('activated');
  } catch (err) {
    if (err instanceof NotSupportedError || err instanceof XmlParseError || err instanceof ProtocolError)
      return null;
    if (err instanceof IsapiStatusError && err.httpStatus === 401) return null;
    throw err;
  }
}

export async function reboot(client: IsapiClient): Promise<void> {
  await client.request('PUT', '/ISAPI/System/reboot');
}
