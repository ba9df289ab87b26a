/**
 * Firmware versions as Hikvision writes them, in deviceInfo (`V5.7.18` + `build 240826`), SADP
 * (`V5.6.2build 190701`) and advisories (`V5.7.13_230822`, `V4.30.096build221220`, `V5.5.6
 * build180408`), read into comparable numbers (docs/protocol/audit.md §1.3). Never guessed: a
 * string without a recognisable version gives null.
 */

export interface FirmwareVersion {
  major: number;
  minor: number;
  patch: number;
  /** Build date YYMMDD as a number (240826), or null when none was given. */
  build: number | null;
}

const VERSION = /V?(\d+)\.(\d+)\.(\d+)/i;
const BUILD = /(?:build\s*|_)(\d{6})(?!\d)/i;
const BARE_BUILD = /(?:^|\s)(\d{6})(?!\d)/;

/** Reads `version` (and the build from it or from `build`, e.g. firmwareReleasedDate). */
export function parseFirmware(version: string | null, build?: string | null): FirmwareVersion | null {
  if (!version) return null;
  const match = VERSION.exec(version);
  if (!match) return null;
  const rest = version.slice(match.index + match[0].length);
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    build: readBuild(rest) ?? readBuild(build ?? null),
  };
}

/** The YYMMDD build in `text`: `build 240826`, `build240826`, `_230822` or a bare `240826`. */
export function readBuild(text: string | null): number | null {
  if (!text) return null;
  const match = BUILD.exec(text) ?? BARE_BUILD.exec(text);
  return match ? Number(match[1]) : null;
}

/** Negative, zero or positive, comparing (major, minor, patch) only. */
export function compareVersion(a: FirmwareVersion, b: FirmwareVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Compares firmware `a` with bound `b` on (major, minor, patch, build) lexicographically. A bound
 * without a build compares by version only; when the versions are equal and only the bound has a
 * build, the answer is null (undecidable).
 */
export function compareFirmware(a: FirmwareVersion, b: FirmwareVersion): number | null {
  const byVersion = compareVersion(a, b);
  if (byVersion !== 0) return byVersion;
  // A bound without a build is a version-only bound; a device without one cannot be placed.
  if (b.build === null) return 0;
  if (a.build === null) return null;
  return a.build - b.build;
}

export function formatFirmware(v: FirmwareVersion): string {
  return `V${v.major}.${v.minor}.${v.patch}${v.build === null ? '' : ` build ${v.build}`}`;
}
