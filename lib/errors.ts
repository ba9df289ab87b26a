/**
 * Typed errors for everything in lib/. Callers match on `code` (stable once released, listed in
 * docs/errors.md); data lives in typed fields, never in the message. Messages and causes never
 * carry credentials, Authorization values or response bodies.
 */

const HIK_ERROR_BRAND = Symbol.for('node-red-contrib-hik-guard.error');

export class HikError extends Error {
  readonly code: string = 'HIK_ERR';
  readonly [HIK_ERROR_BRAND] = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** True for any HikError, even one thrown by a second copy of this package. */
  static isHikError(value: unknown): value is HikError {
    return typeof value === 'object' && value !== null && HIK_ERROR_BRAND in value;
  }
}

/** A caller passed an option or argument that cannot work; names the option. */
export class InvalidArgumentError extends HikError {
  override readonly code = 'HIK_ERR_INVALID_ARGUMENT';
}

/** The device rejected the credential. `retriesLeft` is what the device reported, if it did. */
export class AuthFailedError extends HikError {
  override readonly code = 'HIK_ERR_AUTH_FAILED';
  constructor(
    readonly retriesLeft: number | null,
    message = 'the device rejected the user name or password',
  ) {
    super(message);
  }
}

/** The device has locked this client out (illegal-login lock); even a right password fails. */
export class DeviceLockedError extends HikError {
  override readonly code = 'HIK_ERR_DEVICE_LOCKED';
  constructor(readonly unlockInSeconds: number) {
    super(`device locked for ${unlockInSeconds} s`);
  }
}

export type GuardRefusalReason = 'credential_failed_before' | 'lock_window' | 'failure_budget';

/**
 * The login-attempt guard refused to send a request, so no attempt was spent. `retryAfterSeconds`
 * is null when waiting will not help (the same credential failed before).
 */
export class LoginGuardRefusedError extends HikError {
  override readonly code = 'HIK_ERR_LOGIN_GUARD';
  constructor(
    readonly reason: GuardRefusalReason,
    readonly retryAfterSeconds: number | null,
  ) {
    super(describeRefusal(reason, retryAfterSeconds));
  }
}

function describeRefusal(reason: GuardRefusalReason, retryAfterSeconds: number | null): string {
  switch (reason) {
    case 'credential_failed_before':
      return 'this password was already rejected by the device; it is not tried again';
    case 'lock_window':
      return `the device reported a login lock; no request is sent for ${retryAfterSeconds ?? '?'} s`;
    case 'failure_budget':
      return `two failed logins on this device in 30 minutes; no further attempt for ${retryAfterSeconds ?? '?'} s`;
  }
}

/** The device offers no authentication scheme this client supports. */
export class UnsupportedAuthError extends HikError {
  override readonly code = 'HIK_ERR_UNSUPPORTED_AUTH';
}

/** Connect or request exceeded its time limit. `phase` tells whether the device may have acted. */
export class DeviceTimeoutError extends HikError {
  override readonly code = 'HIK_ERR_TIMEOUT';
  constructor(
    readonly phase: 'connect' | 'response',
    readonly timeoutMs: number,
  ) {
    super(`device did not ${phase === 'connect' ? 'accept a connection' : 'answer'} within ${timeoutMs} ms`);
  }
}

/** The device could not be reached (refused, reset, no route, DNS). */
export class DeviceUnreachableError extends HikError {
  override readonly code = 'HIK_ERR_UNREACHABLE';
}

/** The device's TLS certificate differs from the one pinned on first use. */
export class CertificatePinMismatchError extends HikError {
  override readonly code = 'HIK_ERR_CERT_CHANGED';
  constructor(
    readonly expectedFingerprint: string,
    readonly actualFingerprint: string,
  ) {
    super(
      `the device presented a different TLS certificate (${actualFingerprint}) than the one pinned (${expectedFingerprint}); refusing to talk to it`,
    );
  }
}

/** A body was not well-formed XML, or not the XML we asked for. */
export class XmlParseError extends HikError {
  override readonly code = 'HIK_ERR_BAD_XML';
}

/** A body exceeded the size cap; it was not read further. */
export class BodyTooLargeError extends HikError {
  override readonly code = 'HIK_ERR_BODY_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`response body exceeds ${limitBytes} bytes`);
  }
}

/** The device answered in a way the protocol does not allow (bad challenge, missing field). */
export class ProtocolError extends HikError {
  override readonly code = 'HIK_ERR_PROTOCOL';
}

export interface IsapiStatus {
  httpStatus: number;
  statusCode: number | null;
  statusString: string | null;
  subStatusCode: string | null;
  requestUrl: string | null;
}

/** The device answered with an ISAPI ResponseStatus other than OK. */
export class IsapiStatusError extends HikError {
  override readonly code: string = 'HIK_ERR_ISAPI';
  readonly httpStatus: number;
  readonly statusCode: number | null;
  readonly statusString: string | null;
  readonly subStatusCode: string | null;
  readonly requestUrl: string | null;

  constructor(status: IsapiStatus) {
    super(
      `device answered ${status.statusString ?? `HTTP ${status.httpStatus}`}` +
        (status.subStatusCode ? ` (${status.subStatusCode})` : '') +
        (status.statusCode !== null ? ` [statusCode ${status.statusCode}]` : ''),
    );
    this.httpStatus = status.httpStatus;
    this.statusCode = status.statusCode;
    this.statusString = status.statusString;
    this.subStatusCode = status.subStatusCode;
    this.requestUrl = status.requestUrl;
  }
}

/** statusCode 2: the device is busy; the only ISAPI status worth retrying later. */
export class DeviceBusyError extends IsapiStatusError {
  override readonly code = 'HIK_ERR_DEVICE_BUSY';
}

/** statusCode 7: the change was accepted but takes effect after a reboot. */
export class RebootRequiredError extends IsapiStatusError {
  override readonly code = 'HIK_ERR_REBOOT_REQUIRED';
}

/** The device is not activated (factory state); it must be activated before anything else. */
export class NotActivatedError extends IsapiStatusError {
  override readonly code = 'HIK_ERR_NOT_ACTIVATED';
}

/** The device does not offer this endpoint or method (403/404, notSupport, methodNotAllowed). */
export class NotSupportedError extends IsapiStatusError {
  override readonly code = 'HIK_ERR_NOT_SUPPORTED';
}
