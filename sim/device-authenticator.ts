/**
 * Server-side authentication of one simulated device, written from RFC 7616 / RFC 7617 and the
 * Hikvision behaviour in docs/protocol/isapi.md §1: Digest (qop=auth, or RFC 2069 without qop) and Basic where
 * offered; single-use nonces (a reused or unknown one gets stale=TRUE and costs nothing); every
 * other wrong Authorization is a failed login counted toward the per-IP illegal-login lock, and any
 * authenticated attempt from a locked IP is refused and restarts the lock.
 */
import { timingSafeEqual } from 'node:crypto';
import { parseAuthSchemes, type AuthScheme } from './auth-params';
import { challengeHeaders, deviceRealm, offersBasic, offersDigest } from './digest-challenge';
import { digestAlgorithmNamed, digestResponse } from './digest-hash';
import type { DeviceProfile } from './device-profile';
import type { DeviceState, SimUser } from './device-state';
import { IllegalLoginLock, type LockState } from './login-lock';
import { NonceBook } from './nonce-book';
import { increment, type SimCounters } from './sim-counters';

export type AuthOutcome =
  | { kind: 'authenticated'; user: SimUser }
  /** No credentials sent: a challenge, free of charge (with the lock state if the IP is locked). */
  | { kind: 'challenge'; lock: LockState | null }
  /** Reused or unknown nonce: a fresh challenge with stale=TRUE, not a failed login. */
  | { kind: 'stale' }
  /** Wrong credentials (counted) or an attempt from a locked IP (lock restarted). */
  | { kind: 'rejected'; lock: LockState }
  /** Digest header unusable (missing fields, uri not the request's): RFC 7616 §3.4.6 says 400. */
  | { kind: 'bad-request' };

export interface AuthRequest {
  method: string;
  /** The request-target as sent, query included. */
  url: string;
  authorization: string | undefined;
  clientIp: string;
}

export class DeviceAuthenticator {
  readonly realm: string;
  private readonly nonces: NonceBook;
  private readonly lock: IllegalLoginLock;

  constructor(
    private readonly profile: DeviceProfile,
    private readonly state: DeviceState,
    private readonly counters: SimCounters,
  ) {
    this.realm = deviceRealm(profile.quirks.realmStyle, profile.identity.serialNumber);
    this.nonces = new NonceBook(profile.quirks.nonceStyle, profile.quirks.nonceSingleUse, profile.clock);
    this.lock = new IllegalLoginLock(profile.lock, profile.clock);
  }

  authenticate(request: AuthRequest): AuthOutcome {
    return this.decide(request, (nonce) => this.nonces.redeem(nonce));
  }

  /**
   * An RTSP request (rtsp-listener): the nonce belongs to the connection, which sends it with
   * every request of the session, so it is not spent by its first use. Failures count into the
   * same per-IP lock as ISAPI: the device has one illegal-login lock for all its services.
   */
  authenticateStream(request: AuthRequest, connectionNonce: string): AuthOutcome {
    return this.decide(request, (nonce) => nonce === connectionNonce);
  }

  private decide(request: AuthRequest, redeem: (nonce: string) => boolean): AuthOutcome {
    const { clientIp } = request;
    if (request.authorization === undefined) {
      const unlockInSeconds = this.lock.unlockInSeconds(clientIp);
      return { kind: 'challenge', lock: unlockInSeconds === null ? null : { locked: true, unlockInSeconds } };
    }
    if (this.lock.unlockInSeconds(clientIp) !== null) {
      this.counters.lockRejections += 1;
      return { kind: 'rejected', lock: this.lock.restart(clientIp) };
    }
    const scheme = parseAuthSchemes(request.authorization).at(0);
    let verdict: { userName: string; ok: boolean } | 'stale' | 'bad-request';
    if (scheme?.scheme === 'digest' && offersDigest(this.profile.quirks.authOffer)) {
      verdict = this.checkDigest(scheme, request, redeem);
    } else if (scheme?.scheme === 'basic' && offersBasic(this.profile.quirks.authOffer)) {
      verdict = this.checkBasic(scheme);
    } else {
      // A scheme the device does not offer is still a wrong login to it (JoshADC v1.3.0's caution).
      verdict = { userName: scheme?.params.get('username') ?? '', ok: false };
    }
    if (verdict === 'bad-request') return { kind: 'bad-request' };
    if (verdict === 'stale') {
      this.counters.nonceRejections += 1;
      return { kind: 'stale' };
    }
    const user = this.state.userByName(verdict.userName);
    if (verdict.ok && user) {
      this.lock.recordSuccess(clientIp);
      this.counters.authenticatedRequests += 1;
      return { kind: 'authenticated', user };
    }
    this.counters.failedLogins += 1;
    increment(this.counters.failedLoginsByIp, clientIp);
    const operator = user !== undefined && user.userLevel !== 'Administrator';
    const { state, lockStarted } = this.lock.recordFailure(clientIp, operator);
    if (lockStarted) this.counters.locksTriggered += 1;
    return { kind: 'rejected', lock: state };
  }

  /** The WWW-Authenticate values for a 401, each time with a fresh nonce. */
  challenge(stale = false): string[] {
    const { authOffer, digestAlgorithm } = this.profile.quirks;
    const nonce = offersDigest(authOffer) ? this.nonces.issue() : '';
    return challengeHeaders({
      offer: authOffer,
      realm: this.realm,
      nonce,
      algorithm: digestAlgorithm,
      stale,
    });
  }

  /** A reboot forgets nonces and lifts every lock. */
  reset(): void {
    this.nonces.clear();
    this.lock.clear();
  }

  private checkDigest(
    scheme: AuthScheme,
    request: AuthRequest,
    redeem: (nonce: string) => boolean,
  ): { userName: string; ok: boolean } | 'stale' | 'bad-request' {
    const p = scheme.params;
    const userName = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (userName === undefined || nonce === undefined || uri === undefined || response === undefined)
      return 'bad-request';
    if (qop !== undefined && (qop !== 'auth' || nc === undefined || cnonce === undefined))
      return 'bad-request';
    if (!uriMatches(uri, request.url)) return 'bad-request';
    if (!redeem(nonce)) return 'stale';
    // The device hashes with its own algorithm; a client answering with another one simply fails.
    const algorithm = digestAlgorithmNamed(p.get('algorithm'));
    const password = this.state.userByName(userName)?.password;
    if (algorithm !== this.profile.quirks.digestAlgorithm || password == null) return { userName, ok: false };
    const expected = digestResponse({
      algorithm,
      userName,
      realm: this.realm,
      password,
      method: request.method,
      uri,
      nonce,
      qop: qop === undefined || nc === undefined || cnonce === undefined ? undefined : { nc, cnonce },
    });
    return { userName, ok: sameText(expected, response.toLowerCase()) };
  }

  private checkBasic(scheme: AuthScheme): { userName: string; ok: boolean } {
    const decoded = Buffer.from(scheme.token68 ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { userName: decoded, ok: false };
    const userName = decoded.slice(0, colon);
    const password = this.state.userByName(userName)?.password;
    return { userName, ok: password != null && sameText(password, decoded.slice(colon + 1)) };
  }
}

/** RFC 7616 §3.4.6: `uri` must name the requested resource (absolute form allowed). */
function uriMatches(uri: string, requestUrl: string): boolean {
  if (uri === requestUrl) return true;
  if (!/^https?:\/\//i.test(uri)) return false;
  try {
    const parsed = new URL(uri);
    return parsed.pathname + parsed.search === requestUrl;
  } catch {
    return false;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
