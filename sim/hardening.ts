/**
 * The security settings of one simulated device, as its firmware would report them through the
 * read-only endpoints an audit uses (docs/protocol/audit.md §3), and which of those endpoints its
 * firmware has at all: a `null` setting means the endpoint is missing (older firmware answers
 * 403/404 notSupport, and its capabilities do not list the feature). Defaults follow the firmware's
 * build year: pre-2015 firmware lacks most of them, newer firmware has them with safe values.
 * The secrets some answers carry (EZVIZ verification code, SNMP communities, DDNS password,
 * recovery e-mail) are settable so tests can plant canaries.
 */
import { InvalidArgumentError } from '../lib/errors';

export interface SimHardening {
  http: boolean;
  https: boolean;
  /** null: the firmware has no redirect/TLS flags (older adminAccesses). */
  redirectToHttps: boolean | null;
  tls11: boolean | null;
  /** The SDK service (port 8000) iVMS and Hik-Connect use. */
  sdkService: boolean;
  /** RTSP authentication; null: no read path on this firmware. */
  rtspAuth: 'digest' | 'digest/basic' | null;
  upnp: boolean | null;
  upnpPortMapping: boolean;
  ezviz: boolean | null;
  ezvizStreamEncryption: boolean;
  ddns: boolean | null;
  ssh: boolean | null;
  telnet: boolean | null;
  snmpV2c: boolean | null;
  timeMode: 'NTP' | 'manual' | null;
  /** null: no recovery e-mail endpoint; '' none set. */
  recoveryEmail: string | null;
  ezvizVerificationCode: string;
  snmpCommunity: string;
  ddnsPassword: string;
}

const MODERN: SimHardening = {
  http: true,
  https: true,
  redirectToHttps: true,
  tls11: false,
  sdkService: false,
  rtspAuth: 'digest',
  upnp: false,
  upnpPortMapping: false,
  ezviz: false,
  ezvizStreamEncryption: true,
  ddns: false,
  ssh: false,
  telnet: null,
  snmpV2c: false,
  timeMode: 'NTP',
  recoveryEmail: 'owner@example.invalid',
  ezvizVerificationCode: 'ABCDEF',
  snmpCommunity: 'public',
  ddnsPassword: 'ddns-password',
};

/** Firmware from before 2015 (docs/protocol/audit.md §3.1 "older firmware lacks…"). */
const LEGACY: SimHardening = {
  ...MODERN,
  https: false,
  redirectToHttps: null,
  tls11: null,
  sdkService: true,
  rtspAuth: null,
  ezviz: null,
  ssh: null,
  snmpV2c: null,
  timeMode: 'manual',
  recoveryEmail: null,
};

const LEGACY_BEFORE_BUILD = 150101;

export function resolveHardening(releasedDate: string, overrides: Partial<SimHardening> = {}): SimHardening {
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(MODERN, key)) throw new InvalidArgumentError(`hardening.${key} is not a setting`);
  }
  const build = Number(/(\d{6})\s*$/.exec(releasedDate)?.[1] ?? '240101');
  return { ...(build < LEGACY_BEFORE_BUILD ? LEGACY : MODERN), ...overrides };
}
