/**
 * How one simulated device's SADP datagrams differ, as real firmware does (docs/protocol/sadp.md §4–5). The
 * defaults follow the modern capture (sample B): dashed lower-case MAC, `V5.6.2build 190701`,
 * LF line ends, an `Activated` element, unicast replies.
 */
import { InvalidArgumentError } from '../../lib/errors';

export type SadpMacStyle = 'dash' | 'colon' | 'dash-upper';

export interface SadpQuirks {
  /** Firmware from before March 2015: no `Activated` element (and none of the newer ones). */
  noActivatedElement?: boolean;
  /** Writes `flase` for false booleans (HCPlatformEnable, DeviceLock, … and Activated). */
  flase?: boolean;
  /** CRLF line ends, as device-side code does. */
  crlf?: boolean;
  /** `<?xml version="1.0" encoding="UTF-8" ?>` (the DVR capture). */
  spaceBeforeDeclarationEnd?: boolean;
  macStyle?: SadpMacStyle;
  /** `V5.6.2build 190701` (true, as captured) or `V5.6.2 build 190701`. */
  compactBuild?: boolean;
  /** `DeviceType` twice, as the ITSC responder sends it. */
  duplicateDeviceType?: boolean;
  /** Reply to the group instead of unicast to the sender (ITSC responder). */
  multicastReplies?: boolean;
  /** Echo the inquiry's Uuid in lower case (seen from a DS-2CD2385G1-I). */
  lowercaseUuid?: boolean;
  /** IPv4 the device reports while inactive, e.g. the factory 192.168.1.64. Default: its address. */
  factoryAddress?: string;
  /** Each reply waits a random time in this range, ms; devices never answer at one instant. */
  replyDelayMs?: readonly [number, number];
}

export type ResolvedSadpQuirks = Required<Omit<SadpQuirks, 'factoryAddress'>> & {
  factoryAddress: string | null;
};

export function resolveSadpQuirks(quirks: SadpQuirks = {}): ResolvedSadpQuirks {
  const delay = quirks.replyDelayMs ?? [0, 20];
  const [low, high] = delay;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high < low) {
    throw new InvalidArgumentError('replyDelayMs must be [min, max] whole milliseconds, 0 <= min <= max');
  }
  const macStyle = quirks.macStyle ?? 'dash';
  if (!['dash', 'colon', 'dash-upper'].includes(macStyle))
    throw new InvalidArgumentError('macStyle must be dash, colon or dash-upper');
  return {
    noActivatedElement: quirks.noActivatedElement ?? false,
    flase: quirks.flase ?? false,
    crlf: quirks.crlf ?? false,
    spaceBeforeDeclarationEnd: quirks.spaceBeforeDeclarationEnd ?? false,
    macStyle,
    compactBuild: quirks.compactBuild ?? true,
    duplicateDeviceType: quirks.duplicateDeviceType ?? false,
    multicastReplies: quirks.multicastReplies ?? false,
    lowercaseUuid: quirks.lowercaseUuid ?? false,
    factoryAddress: quirks.factoryAddress ?? null,
    replyDelayMs: [low, high],
  };
}
