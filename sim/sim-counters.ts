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
