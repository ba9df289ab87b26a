/**
 * The default simulated fleet: cameras of three firmware generations, each with its own quirks,
 * and an NVR whose channels point at them with the right credentials. For the security audit it is
 * a mix: the 2024 camera is clean, the 2020 one has UPnP port mappings and Hik-Connect on, the 2014
 * one runs firmware inside a published CVE range with the endpoints old firmware lacks. Serials and MACs are fixed,
 * so a demo that keeps state between runs meets the same devices again.
 */
import type { SimDeviceOptions } from './device-profile';
import type { SadpQuirks } from './sadp/sadp-quirks';
import type { SimCertificateName } from './tls-certificates';

/** The documented demo admin password, used when HIK_SIM_PASSWORD is not set. Not a secret. */
export const DEMO_ADMIN_PASSWORD = 'HikSim-Demo1';

export interface SimFleetMember extends SimDeviceOptions {
  /** Default: the fleet's base address + the member's index. Must be in 127.0.0.0/8. */
  host?: string;
  port?: number;
  rtspPort?: number;
  https?: boolean;
  /** NVR only: indexes of fleet members to add as channels, with their admin credentials. */
  channelsTo?: number[];
  /** How its SADP answers differ (used when the fleet runs with `sadp`). */
  sadp?: SadpQuirks;
}

type CameraTemplate = Omit<SimDeviceOptions, 'adminPassword'> & { productionDate: string; sadp?: SadpQuirks };

const CAMERA_TEMPLATES: readonly [CameraTemplate, ...CameraTemplate[]] = [
  // G2, 2024 firmware: hex realm, epoch nonces, digest only, wants <loginPassword>.
  {
    productionDate: '20240201',
    model: 'DS-2CD2386G2-IU',
    firmwareVersion: 'V5.7.15',
    firmwareReleasedDate: 'build 240201',
    serverHeader: 'webserver',
    authOffer: 'digest',
    requireLoginPassword: true,
  },
  // 2020 firmware behind "Webs": Digest and Basic offered in two headers, no <loginPassword>.
  {
    productionDate: '20200316',
    model: 'DS-2CD2443G0-IW',
    firmwareVersion: 'V5.6.5',
    firmwareReleasedDate: 'build 200316',
    serverHeader: 'Webs',
    authOffer: 'digest-and-basic-headers',
    sadp: { crlf: true, macStyle: 'dash-upper' },
    // The audit's risky one: UPnP maps its ports on the router, Hik-Connect is on.
    hardening: { upnp: true, upnpPortMapping: true, ezviz: true },
  },
  // 2014 firmware behind "App-webs/": IP Camera(…) realm, legacy nonces, one folded header, `flase`.
  {
    productionDate: '20140721',
    model: 'DS-2CD2532F-IWS',
    firmwareVersion: 'V5.2.0',
    firmwareReleasedDate: 'build 140721',
    serverHeader: 'App-webs/',
    realmStyle: 'ip-camera',
    nonceStyle: 'legacy',
    authOffer: 'digest-and-basic-one-header',
    namespace: 'http://www.std-cgi.com/ver20/XMLSchema',
    booleanQuirk: true,
    // Pre-2015 firmware: SADP has no Activated element (activation unknown, not false).
    sadp: { noActivatedElement: true },
  },
];

const CERTIFICATES: readonly [SimCertificateName, ...SimCertificateName[]] = ['a', 'b', 'c'];

/** `count` devices: one camera alone, else count−1 cameras (templates in turn) and an NVR last. */
export function demoFleet(count = 4, adminPassword: string = DEMO_ADMIN_PASSWORD): SimFleetMember[] {
  const cameras = count === 1 ? 1 : count - 1;
  const members: SimFleetMember[] = [];
  for (let i = 0; i < cameras; i++) {
    const { productionDate, ...template } = cyclic(CAMERA_TEMPLATES, i);
    members.push({
      ...template,
      adminPassword,
      serialNumber: `${template.model}${productionDate}AAWRJ${serialDigits(i)}`,
      macAddress: demoMac(i),
      certificate: cyclic(CERTIFICATES, i),
    });
  }
  if (count > 1) {
    members.push({
      adminPassword,
      deviceType: 'NVR',
      model: 'DS-7608NXI-I2/8P/S',
      firmwareVersion: 'V4.62.210',
      firmwareReleasedDate: 'build 230619',
      serverHeader: 'DNVRS-Webs',
      namespace: 'http://www.isapi.org/ver20/XMLSchema',
      requireLoginPassword: true,
      serialNumber: `DS-7608NXI-I2/8P/S20230619CCRRJ${serialDigits(cameras)}`,
      macAddress: demoMac(cameras),
      certificate: 'c',
      channelsTo: members.map((_, index) => index),
      sadp: { spaceBeforeDeclarationEnd: true, duplicateDeviceType: true, macStyle: 'colon', flase: true },
    });
  }
  return members;
}

/** `items[index]`, starting over at the end of the list. */
function cyclic<T>(items: readonly [T, ...T[]], index: number): T {
  // In range for any index >= 0 (the only ones used); the fallback just satisfies the checker.
  return items[index % items.length] ?? items[0];
}

function serialDigits(index: number): string {
  return String(index + 1).padStart(8, '0');
}

function demoMac(index: number): string {
  return `44:19:b6:5e:00:${(index + 1).toString(16).padStart(2, '0')}`;
}
