/**
 * ISAPI over HTTP(S) with the device's own authentication rules. Every authenticated request
 * goes through the login-attempt guard; by default each one fetches a fresh digest challenge
 * (some firmware refuses a nonce the second time, and a refused nonce looks like a wrong
 * password). Status bodies become typed errors; credentials never reach a log or an error.
 * Traces (`NODE_DEBUG=hik-guard`) name the auth scheme chosen and nonce retries, never a value.
 */
import { trace } from '../diagnostics';
import { InvalidArgumentError, ProtocolError, UnsupportedAuthError } from '../errors';
import { parseXml, type XmlElement } from '../xml/xml';
import { buildBasicAuthorization, buildDigestAuthorization } from './digest-authorization';
import {
  chooseAuth,
  parseAuthenticateHeaders,
  type ChosenAuth,
  type DigestChallenge,
} from './digest-challenge';
import { defaultLoginGuard, type Credential, type LoginAttempt, type LoginGuard } from './login-guard';
import type { CertificatePin } from './pinned-connector';
import { HttpTransport, type HttpReply } from './http-transport';
import {
  authFailureFromBody,
  isOkStatus,
  readIsapiStatus,
  readLockInfo,
  toIsapiError,
} from './response-status';

export interface IsapiClientOptions {
  host: string;
  /** Default 443 for https, 80 for http. */
  port?: number;
  /** Default 'https'. */
  protocol?: 'http' | 'https';
  credential?: Credential;
  /** Device serial when known; the guard keys its records by it (else by host:port). */
  serial?: string;
  /** HTTPS certificate pin; learnt on first use and reported through `onFirstUse` when empty. */
  tlsPin?: CertificatePin;
  /** Default 5 s. */
  connectTimeoutMs?: number;
  /** Per HTTP exchange, headers and body. Default 15 s. */
  requestTimeoutMs?: number;
  /** Default 256 KiB. */
  maxBodyBytes?: number;
  /**
   * How long the connection stays open after an exchange, ms. Default 4 s (a login is a challenge
   * and a request); 0 closes it once answered (a poll asks one question a minute).
   */
  keepAliveMs?: number;
  /** Default: the process-wide guard every node and the CLI share. */
  guard?: LoginGuard;
  /** Reuse a digest nonce with an incremented nc instead of a fresh challenge. Default false. */
  reuseNonce?: boolean;
  /**
   * Basic sends the password itself; over plain HTTP that is the password in clear on the LAN, so
   * it is refused unless this is set (for ancient HTTP-only, Basic-only firmware). Default false.
   */
  allowBasicOverHttp?: boolean;
}

export interface RequestOptions {
  body?: string;
  /** Default true. Unauthenticated endpoints (activation, activateStatus) pass false. */
  auth?: boolean;
  /** Use this credential instead of the client's own, e.g. to verify a new password. */
  credential?: Credential;
}

export interface IsapiReply {
  status: number;
  body: string;
  /** Parsed body, or null when the body is empty or not XML. */
  xml: XmlElement | null;
}

interface CachedNonce {
  auth: Extract<ChosenAuth, { kind: 'digest' }>;
  nc: number;
}

const XML_CONTENT_TYPE = 'application/xml; charset="UTF-8"';

export class IsapiClient {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
  private serial: string | undefined;
  private credential: Credential | undefined;
  private readonly guard: LoginGuard;
  private readonly transport: HttpTransport;
  private readonly reuseNonce: boolean;
  private readonly allowBasicOverHttp: boolean;
  private readonly maxBodyBytes: number;
  private cachedNonce: CachedNonce | undefined;

  constructor(options: IsapiClientOptions) {
    if (!options.host) throw new InvalidArgumentError('host is required');
    this.host = options.host;
    this.protocol = options.protocol ?? 'https';
    this.port = options.port ?? (this.protocol === 'https' ? 443 : 80);
    this.credential = options.credential;
    this.serial = options.serial;
    this.guard = options.guard ?? defaultLoginGuard();
    this.reuseNonce = options.reuseNonce ?? false;
    this.allowBasicOverHttp = options.allowBasicOverHttp ?? false;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.transport = new HttpTransport({
      host: this.host,
      port: this.port,
      protocol: this.protocol,
      tlsPin: options.tlsPin,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      maxBodyBytes: this.maxBodyBytes,
      keepAliveMs: options.keepAliveMs,
    });
  }

  /** The key the login guard files this device under. */
  get deviceKey(): string {
    return this.serial ?? this.hostKey;
  }

  private get hostKey(): string {
    return `${this.host}:${this.port}`;
  }

  /** Sets the credential later requests use (e.g. once a password has been asked for). */
  useCredential(credential: Credential): void {
    this.credential = credential;
  }

  /** Called once the device's serial is known, so guard records follow the device, not the IP. */
  adoptSerial(serial: string): void {
    if (!serial || this.serial === serial) return;
    this.guard.linkHostToSerial(this.hostKey, serial);
    this.serial = serial;
  }

  /**
   * Sends a request and returns the reply when the device accepted it. Throws AuthFailedError,
   * DeviceLockedError, LoginGuardRefusedError, IsapiStatusError (and subclasses), transport
   * errors, or XmlParseError/BodyTooLargeError.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<IsapiReply> {
    this.guard.assertMayContact(this.deviceKey);
    const reply =
      options.auth === false
        ? await this.transport.send(this.exchange(method, path, options.body))
        : await this.authenticated(method, path, options);
    return this.accept(reply);
  }

  /** Like request, but requires an XML body and returns its root element. */
  async requestXml(method: string, path: string, options: RequestOptions = {}): Promise<XmlElement> {
    const reply = await this.request(method, path, options);
    if (!reply.xml) throw new ProtocolError(`${method} ${pathOnly(path)} answered without an XML body`);
    return reply.xml;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async authenticated(method: string, path: string, options: RequestOptions): Promise<HttpReply> {
    const credential = options.credential ?? this.credential;
    if (!credential) throw new InvalidArgumentError(`${pathOnly(path)} needs a user name and password`);
    const attempt = await this.guard.beginAttempt(this.deviceKey, credential);
    try {
      const reply = await this.exchangeWithAuth(method, path, options.body, credential, attempt);
      return reply;
    } finally {
      // Any path that did not reach a verdict leaves nothing learnt (no-op once settled).
      attempt.inconclusive();
    }
  }

  private async exchangeWithAuth(
    method: string,
    path: string,
    body: string | undefined,
    credential: Credential,
    attempt: LoginAttempt,
  ): Promise<HttpReply> {
    let reused = this.reuseNonce ? this.cachedNonce : undefined;
    let auth: ChosenAuth;
    if (reused) {
      auth = reused.auth;
      trace('isapi', 'reusing the digest nonce', { device: this.deviceKey, nc: reused.nc + 1 });
    } else {
      // The probe carries no body: a body may hold passwords, and it goes out only authenticated.
      const probe = await this.transport.send(this.exchange(method, path, undefined));
      if (probe.status !== 401) {
        attempt.inconclusive();
        // An error status (503 Device Busy, …) is the device's answer: nothing was sent, and the
        // caller maps it to its typed error. Only a success without authentication is suspicious.
        if (body === undefined || probe.status >= 400) return probe;
        throw new ProtocolError(
          `${method} ${pathOnly(path)} did not ask for authentication; nothing was sent`,
        );
      }
      auth = this.challengeFrom(probe);
    }

    for (let round = 0; ; round++) {
      const nc = reused ? reused.nc + 1 : 1;
      const reply = await this.transport.send(
        this.exchange(method, path, body, this.authorization(auth, credential, method, path, nc)),
      );
      if (reply.status !== 401) {
        if (auth.kind === 'digest' && this.reuseNonce) this.cachedNonce = { auth, nc };
        attempt.succeeded();
        return reply;
      }
      this.cachedNonce = undefined;
      const root = safeXml(reply.body, this.maxBodyBytes);
      const status = readIsapiStatus(401, root);
      if (status.subStatusCode === 'notActivated') {
        attempt.inconclusive();
        throw toIsapiError(status);
      }
      const retryChallenge = this.retryableChallenge(reply, reused !== undefined);
      if (retryChallenge) {
        if (round > 0) throw new ProtocolError('the device refused two fresh digest nonces in a row');
        // The nonce, not the password, was refused: one more try with the new challenge.
        trace('isapi', 'nonce refused; one retry with the new challenge', {
          device: this.deviceKey,
          reused: reused !== undefined,
        });
        auth = retryChallenge;
        reused = undefined;
        continue;
      }
      attempt.failed(readLockInfo(root));
      throw authFailureFromBody(root);
    }
  }

  /** A 401 that blames the nonce (stale, or a reused one) rather than the credential. */
  private retryableChallenge(reply: HttpReply, nonceWasReused: boolean): ChosenAuth | null {
    const next = chooseAuth(parseAuthenticateHeaders(headerValues(reply.headers['www-authenticate'])));
    if (next?.kind !== 'digest') return null;
    return next.challenge.stale || nonceWasReused ? next : null;
  }

  private challengeFrom(probe: HttpReply): ChosenAuth {
    const root = safeXml(probe.body, this.maxBodyBytes);
    const lock = readLockInfo(root);
    if (lock.locked) {
      this.guard.recordLockInfo(this.deviceKey, lock);
      throw authFailureFromBody(root);
    }
    const status = readIsapiStatus(401, root);
    if (status.subStatusCode === 'notActivated') throw toIsapiError(status);
    const chosen = chooseAuth(parseAuthenticateHeaders(headerValues(probe.headers['www-authenticate'])));
    if (!chosen) throw new UnsupportedAuthError('the device offers no supported authentication scheme');
    if (chosen.kind === 'basic' && this.protocol === 'http' && !this.allowBasicOverHttp) {
      trace('isapi', 'Basic over plain HTTP refused', { device: this.deviceKey });
      throw new UnsupportedAuthError(
        'the device offers only Basic authentication, which over plain HTTP would send the password in clear; use HTTPS',
      );
    }
    const digest = chosen.kind === 'digest' ? chosen.challenge : null;
    trace('isapi', 'auth scheme chosen', {
      device: this.deviceKey,
      scheme: chosen.kind,
      algorithm: digest?.algorithm ?? null,
      qop: digest?.qop ?? null,
    });
    return chosen;
  }

  private authorization(
    auth: ChosenAuth,
    credential: Credential,
    method: string,
    uri: string,
    nc: number,
  ): string {
    if (auth.kind === 'basic') return buildBasicAuthorization(credential.username, credential.password);
    return buildDigestAuthorization({
      challenge: auth.challenge satisfies DigestChallenge,
      username: credential.username,
      password: credential.password,
      method,
      uri,
      nc,
    });
  }

  private exchange(method: string, path: string, body: string | undefined, authorization?: string) {
    const headers: Record<string, string> = { accept: 'application/xml, text/xml, */*' };
    if (body !== undefined) headers['content-type'] = XML_CONTENT_TYPE;
    if (authorization) headers.authorization = authorization;
    return { method, path, headers, body };
  }

  private accept(reply: HttpReply): IsapiReply {
    const looksXml = reply.body.trimStart().startsWith('<');
    // A success must parse (typed XmlParseError otherwise); an error body only informs.
    const xml = looksXml
      ? reply.status < 300
        ? parseXml(reply.body, { maxBytes: this.maxBodyBytes })
        : safeXml(reply.body, this.maxBodyBytes)
      : null;
    if (reply.status === 401) {
      // Only unauthenticated requests get here: no credential was refused, but the body may still
      // report a lock, and the endpoint evidently wants a login on this firmware.
      const lock = readLockInfo(xml);
      if (lock.locked) {
        this.guard.recordLockInfo(this.deviceKey, lock);
        throw authFailureFromBody(xml);
      }
    }
    if (reply.status >= 300 && reply.status < 400) {
      const location = headerValues(reply.headers.location)[0] ?? 'elsewhere';
      throw new ProtocolError(`the device redirects to ${location}; connect there (e.g. with https)`);
    }
    const status = readIsapiStatus(reply.status, xml);
    const isStatusBody = xml !== null && (xml.name === 'ResponseStatus' || status.statusCode !== null);
    if (reply.status >= 300 || (isStatusBody && !isOkStatus(status))) throw toIsapiError(status);
    return { status: reply.status, body: reply.body, xml };
  }
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Error bodies are often HTML or truncated; they inform, they must not throw. */
function safeXml(body: string, maxBytes: number): XmlElement | null {
  if (!body.trim().startsWith('<')) return null;
  try {
    return parseXml(body, { maxBytes });
  } catch {
    return null;
  }
}

function pathOnly(path: string): string {
  return path.split('?')[0] ?? path;
}
