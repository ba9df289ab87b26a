/**
 * Everything a simulated device counts, so tests elsewhere can assert exact numbers ("a wrong
 * password costs exactly one failed login", "the client never causes a lock"). Counters survive
 * reboots and factory resets: they describe the test, not the device.
 */

export interface SimCounters {
  /** Every HTTP request that reached the device, whatever became of it. */
  requests: number;
  /** "METHOD /path" (query stripped) → requests. */
  requestsByPath: Map<string, number>;
  /** Requests whose credentials were accepted. */
  authenticatedRequests: number;
  /** Wrong credentials (each one counts toward the illegal-login lock). */
  failedLogins: number;
  failedLoginsByIp: Map<string, number>;
  /** Times an IP became locked. */
  locksTriggered: number;
  /** Authenticated attempts refused because the IP was locked (each restarts the lock). */
  lockRejections: number;
  /** Reused or unknown nonces answered with stale=TRUE (not failed logins). */
  nonceRejections: number;
  activations: number;
  /** RTSP requests of any kind (rtsp-listener). */
  rtspRequests: number;
  /** DESCRIBEs answered with a stream description: successful stream-consumer logins. */
  streamLogins: number;
  /** Successful password changes through ISAPI (not `setPassword`, which is a third party). */
  passwordChanges: number;
  /** Reboots through ISAPI, `reboot()` or a rebootMidRequest fault. */
  reboots: number;
  factoryResets: number;
  /** PUT, POST, PATCH and DELETE requests, whatever became of them (a read-only client sends none). */
  writeRequests: number;
  /**
   * Requests shaped like the public exploits (docs/protocol/audit.md §4): an `auth=` query, the
   * webLanguage or configurationFile paths, a GUID export, a shell `$(…)` or backtick.
   */
  exploitLikeRequests: number;
}

export function createCounters(): SimCounters {
  return {
    requests: 0,
    requestsByPath: new Map(),
    authenticatedRequests: 0,
    failedLogins: 0,
    failedLoginsByIp: new Map(),
    locksTriggered: 0,
    lockRejections: 0,
    nonceRejections: 0,
    activations: 0,
    rtspRequests: 0,
    streamLogins: 0,
    passwordChanges: 0,
    reboots: 0,
    factoryResets: 0,
    writeRequests: 0,
    exploitLikeRequests: 0,
  };
}

/** Zeroes the counters in place, so references held by tests stay live. */
export function resetCounters(counters: SimCounters): void {
  Object.assign(counters, {
    ...createCounters(),
    requestsByPath: counters.requestsByPath,
    failedLoginsByIp: counters.failedLoginsByIp,
  });
  counters.requestsByPath.clear();
  counters.failedLoginsByIp.clear();
}

export function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);
const EXPLOIT_PATHS = /\/SDK\/webLanguage|configurationFile|GUIDFileData/i;

/** Counts a write or an exploit-like request (kept beside the other counters, in one place). */
export function countRisky(counters: SimCounters, method: string, url: string, body: Buffer): void {
  if (WRITE_METHODS.has(method)) counters.writeRequests += 1;
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const text = `${decodeSafely(url)} ${body.toString('latin1')}`;
  if (EXPLOIT_PATHS.test(url) || /(^|&)auth=/i.test(query) || text.includes('$(') || text.includes('`'))
    counters.exploitLikeRequests += 1;
}

function decodeSafely(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}
