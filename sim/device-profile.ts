/**
 * The options of one simulated device and their defaults: identity (shaped like real deviceInfo),
 * firmware quirks, lock policy. `resolveDeviceProfile` validates every option by name up front.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../lib/errors';
import { AUTH_OFFERS, type AuthOffer, type NonceStyle, type RealmStyle } from './digest-challenge';
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from './digest-hash';
import type { SimOnvifUserInit } from './device-accounts';
import { resolveHardening, type SimHardening } from './hardening';
import type { SimCertificateName } from './tls-certificates';

export type SimDeviceType = 'IPCamera' | 'IPDome' | 'NVR';
export type UserLevel = 'Administrator' | 'Operator' | 'Viewer';

/** Namespaces real firmware uses for the same documents (docs/protocol/isapi.md §2.3, §6). */
export const ISAPI_NAMESPACES = [
  'http://www.hikvision.com/ver20/XMLSchema',
  'http://www.isapi.org/ver20/XMLSchema',
  'http://www.std-cgi.com/ver20/XMLSchema',
] as const;
export type IsapiNamespace = (typeof ISAPI_NAMESPACES)[number];

export interface SimUserInit {
  userName: string;
  password: string;
  userLevel?: UserLevel;
}

export interface SimChannelInit {
  ipAddress: string;
  /** The port the simulated NVR uses to reach the camera's ISAPI (its HTTP or HTTPS port). */
  managePortNo: number;
  https?: boolean;
  userName: string;
  password: string;
  name?: string;
  model?: string;
}

export interface SimDeviceOptions {
  /** Password of `admin` (id 1). null = factory state: not activated, admin has no password. */
  adminPassword: string | null;
  deviceType?: SimDeviceType;
  model?: string;
  deviceName?: string;
  serialNumber?: string;
  macAddress?: string;
  firmwareVersion?: string;
  firmwareReleasedDate?: string;
  /** `Server` header: 'webserver', 'App-webs/', 'Webs' (HTML 401 bodies) or 'DNVRS-Webs'. */
  serverHeader?: string;
  realmStyle?: RealmStyle;
  nonceStyle?: NonceStyle;
  authOffer?: AuthOffer;
  digestAlgorithm?: DigestAlgorithm;
  namespace?: IsapiNamespace;
  /** Newer firmware: PUT users/<id> must carry the caller's current password in `<loginPassword>`. */
  requireLoginPassword?: boolean;
  /** Writes `flase` for every false boolean in its XML, as some firmware does. */
  booleanQuirk?: boolean;
  nonceSingleUse?: boolean;
  maxAdminFailures?: number;
  maxOperatorFailures?: number;
  lockSeconds?: number;
  rebootMs?: number;
  activationChallengeSeconds?: number;
  clock?: () => number;
  certificate?: SimCertificateName;
  users?: SimUserInit[];
  channels?: SimChannelInit[];
  /**
   * NVR only: log in to every channel's camera this often (ms) with the stored credential, as a
   * recorder keeping its channels connected does (nvr-channel-watch). Default: never.
   */
  channelLoginEveryMs?: number;
  /**
   * End the open RTSP sessions of a user whose password changed, so stream consumers log in again
   * at once. Whether real firmware does is not recorded; tests use it as the worst case. Default false.
   */
  dropStreamsOnPasswordChange?: boolean;
  /** ONVIF accounts (a list separate from `users`); needs `onvifUserManagement`. */
  onvifUsers?: SimOnvifUserInit[];
  /** Network/Integrate's ONVIF switch. Default: on when ONVIF users are given, else off (as shipped). */
  onvifEnabled?: boolean;
  /** Older firmware has no ONVIF user management (404, no `<ONVIF>` in Integrate). Default true. */
  onvifUserManagement?: boolean;
  /** Whether POST /ISAPI/Security/users names the new user's id; some firmware does not. Default true. */
  echoNewUserId?: boolean;
  /** Security settings and which audit endpoints the firmware has (sim/hardening.ts). */
  hardening?: Partial<SimHardening>;
}

export interface DeviceIdentity {
  deviceType: SimDeviceType;
  model: string;
  deviceName: string;
  deviceId: string;
  serialNumber: string;
  macAddress: string;
  firmwareVersion: string;
  firmwareReleasedDate: string;
}

export interface DeviceQuirks {
  serverHeader: string;
  realmStyle: RealmStyle;
  nonceStyle: NonceStyle;
  authOffer: AuthOffer;
  digestAlgorithm: DigestAlgorithm;
  namespace: IsapiNamespace;
  requireLoginPassword: boolean;
  booleanQuirk: boolean;
  nonceSingleUse: boolean;
  onvifUserManagement: boolean;
  echoNewUserId: boolean;
}

export interface DeviceProfile {
  identity: DeviceIdentity;
  quirks: DeviceQuirks;
  lock: { maxAdminFailures: number; maxOperatorFailures: number; lockSeconds: number };
  rebootMs: number;
  activationChallengeSeconds: number;
  clock: () => number;
  certificate: SimCertificateName;
  /** NVR only: the channel login cadence, or null when the recorder does not keep channels connected. */
  channelLoginEveryMs: number | null;
  dropStreamsOnPasswordChange: boolean;
  hardening: SimHardening;
}

const CAMERA_DEFAULTS = {
  model: 'DS-2CD2386G2-IU',
  deviceName: 'IP CAMERA',
  firmwareVersion: 'V5.7.15',
  firmwareReleasedDate: 'build 240201',
  serverHeader: 'webserver',
};
const NVR_DEFAULTS = {
  model: 'DS-7608NXI-I2/8P/S',
  deviceName: 'Network Video Recorder',
  firmwareVersion: 'V4.62.210',
  firmwareReleasedDate: 'build 230619',
  serverHeader: 'DNVRS-Webs',
};

/** The name a device of this type carries out of the factory (and after a basic restore). */
export function factoryDeviceName(deviceType: SimDeviceType): string {
  return deviceType === 'NVR' ? NVR_DEFAULTS.deviceName : CAMERA_DEFAULTS.deviceName;
}

export function resolveDeviceProfile(options: SimDeviceOptions): DeviceProfile {
  const deviceType = options.deviceType ?? 'IPCamera';
  oneOf('deviceType', deviceType, ['IPCamera', 'IPDome', 'NVR']);
  const defaults = deviceType === 'NVR' ? NVR_DEFAULTS : CAMERA_DEFAULTS;
  const model = options.model ?? defaults.model;
  const firmwareReleasedDate = options.firmwareReleasedDate ?? defaults.firmwareReleasedDate;
  const quirks: DeviceQuirks = {
    serverHeader: options.serverHeader ?? defaults.serverHeader,
    realmStyle: oneOf('realmStyle', options.realmStyle ?? 'hex24', ['hex24', 'ip-camera']),
    nonceStyle: oneOf('nonceStyle', options.nonceStyle ?? 'epoch', ['epoch', 'legacy']),
    authOffer: oneOf('authOffer', options.authOffer ?? 'digest', AUTH_OFFERS),
    digestAlgorithm: oneOf('digestAlgorithm', options.digestAlgorithm ?? 'MD5', DIGEST_ALGORITHMS),
    namespace: oneOf('namespace', options.namespace ?? ISAPI_NAMESPACES[0], ISAPI_NAMESPACES),
    requireLoginPassword: options.requireLoginPassword ?? false,
    booleanQuirk: options.booleanQuirk ?? false,
    nonceSingleUse: options.nonceSingleUse ?? true,
    onvifUserManagement: options.onvifUserManagement ?? true,
    echoNewUserId: options.echoNewUserId ?? true,
  };
  return {
    identity: {
      deviceType,
      model,
      deviceName: options.deviceName ?? defaults.deviceName,
      deviceId: randomUUID(),
      serialNumber: options.serialNumber ?? makeSerial(model, deviceType, firmwareReleasedDate),
      macAddress: options.macAddress ?? makeMac(),
      firmwareVersion: options.firmwareVersion ?? defaults.firmwareVersion,
      firmwareReleasedDate,
    },
    quirks,
    lock: {
      maxAdminFailures: positiveInt('maxAdminFailures', options.maxAdminFailures ?? 7),
      maxOperatorFailures: positiveInt('maxOperatorFailures', options.maxOperatorFailures ?? 5),
      lockSeconds: positiveInt('lockSeconds', options.lockSeconds ?? 1800),
    },
    rebootMs: nonNegativeInt('rebootMs', options.rebootMs ?? 1000),
    activationChallengeSeconds: positiveInt(
      'activationChallengeSeconds',
      options.activationChallengeSeconds ?? 60,
    ),
    clock: options.clock ?? Date.now,
    certificate: options.certificate ?? 'a',
    channelLoginEveryMs:
      options.channelLoginEveryMs === undefined
        ? null
        : positiveInt('channelLoginEveryMs', options.channelLoginEveryMs),
    dropStreamsOnPasswordChange: options.dropStreamsOnPasswordChange ?? false,
    hardening: resolveHardening(firmwareReleasedDate, options.hardening),
  };
}

/** Real shape: model + production date + letters + digits, e.g. DS-2CD2386G2-IU20240101AAWRJ12345678. */
function makeSerial(model: string, deviceType: SimDeviceType, releasedDate: string): string {
  const build = /(\d{6})\s*$/.exec(releasedDate)?.[1] ?? '240101';
  const letters = deviceType === 'NVR' ? 'CCRRJ' : 'AAWRJ';
  return `${model}20${build}${letters}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** Colon form with a Hikvision OUI, as deviceInfo reports it. */
function makeMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['44', '19', 'b6', ...tail].join(':');
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value))
    throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return value;
}
