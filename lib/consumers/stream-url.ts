/**
 * Stream source URLs as consumers store them (docs/protocol/consumers.md §7): `rtsp://user:pass@host:554/path`,
 * also wrapped (`ffmpeg:rtsp://…#video=copy` in go2rtc) or masked by the consumer's API
 * (`rtsp://***@host/…`). The credential lives in the userinfo, percent-encoded (RFC 3986 §3.2.1),
 * so a password with `@`, `:` or `/` survives. Sources are matched to a device by host only: the
 * RTSP port is not the device's web port, and a password is never read back to compare.
 */

export interface StreamCredential {
  readonly username: string;
  readonly password: string;
}

interface SourceParts {
  /** Everything up to and including `scheme://` (with wrappers such as `ffmpeg:`). */
  head: string;
  userinfo: string | null;
  /** `host[:port]` as written. */
  hostPort: string;
  hostname: string;
  /** Path, query, fragment and anything after the authority, untouched. */
  tail: string;
}

const SCHEME = /^(.*?[a-z][a-z0-9+.-]*:\/\/)/i;

function split(source: string): SourceParts | null {
  const head = SCHEME.exec(source)?.[1];
  if (head === undefined) return null;
  const rest = source.slice(head.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  // The LAST @ ends the userinfo: a password stored with a raw '@' still leaves the right host.
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? null : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  const hostname = (/^\[([^\]]+)\]/.exec(hostPort)?.[1] ?? hostPort.replace(/:\d*$/, '')).toLowerCase();
  if (!hostname) return null;
  return { head, userinfo, hostPort, hostname, tail };
}

/** The host name or address a source connects to (lower case, IPv6 without brackets), or null. */
export function sourceHost(source: string): string | null {
  return split(source)?.hostname ?? null;
}

/** Whether the source connects to this host (name or address, compared case-insensitively). */
export function sourceMatchesHost(source: string, host: string): boolean {
  const wanted = host.replace(/^\[|\]$/g, '').toLowerCase();
  return sourceHost(source) === wanted;
}

/** Whether a source holds a credential at all (plain, masked or a variable). */
export function sourceHasUserinfo(source: string): boolean {
  return (split(source)?.userinfo ?? null) !== null;
}

/**
 * Whether the source's credential comes from somewhere hik guard cannot change: a go2rtc
 * `${VAR}` or a Frigate `{FRIGATE_…}` substitution (docs/protocol/consumers.md §4, §5).
 */
export function sourceUsesVariable(source: string): boolean {
  const userinfo = split(source)?.userinfo ?? '';
  return /\$\{[^}]+\}|\{FRIGATE_[A-Z0-9_]+\}/.test(userinfo);
}

/**
 * The source with its userinfo replaced by this credential, percent-encoded; everything else
 * (wrapper, port, path, query, `#` options) unchanged. Returns null for a source without
 * `scheme://host`.
 */
export function withCredential(source: string, credential: StreamCredential): string | null {
  const parts = split(source);
  if (!parts) return null;
  const userinfo = `${encodeUserinfo(credential.username)}:${encodeUserinfo(credential.password)}`;
  return `${parts.head}${userinfo}@${parts.hostPort}${parts.tail}`;
}

/** `rtsp://user:pass@host:port/path` for a device stream (port left out when it is 554). */
export function rtspUrl(host: string, port: number, path: string, credential: StreamCredential): string {
  const authority = `${host.includes(':') ? `[${host}]` : host}${port === 554 ? '' : `:${port}`}`;
  const source = `rtsp://${authority}${path.startsWith('/') ? path : `/${path}`}`;
  // `split` always succeeds on what was just built; the fallback keeps the type honest.
  return withCredential(source, credential) ?? source;
}

/** encodeURIComponent leaves `!'()*` as they are: legal in userinfo, but some parsers choke; encode all. */
function encodeUserinfo(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
