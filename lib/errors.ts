/**
 * Typed errors for everything in lib/. Callers match on `code` (stable once released, listed in
 * docs/errors.md); data lives in typed fields, never in the message. Messages and causes never
 * carry credentials, Authorization values or response bodies.
 */

/**
 * `instanceof` that survives two loaded copies of this package (as undici's errors do): every
 * instance carries a `Symbol.for` brand per class in its chain, and `instanceof X` checks X's
 * brand instead of the prototype. So an AuthFailedError thrown by another copy is `instanceof
 * HikError` and `instanceof AuthFailedError` here, and still not `instanceof DeviceLockedError`.
 * A class's name is its brand: unique among HikError subclasses, never renamed once released.
 */
function brandOf(errorClass: { readonly name: string }): symbol {
  return Symbol.for(`node-red-contrib-hik-guard.error.${errorClass.name}`);
}

/** Every error code starts so (docs/errors.md lists them). */
export type HikErrorCode = `HIK_ERR${string}`;

export class HikError extends Error {
  readonly code: HikErrorCode = 'HIK_ERR';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    // Not enumerable: brands stay out of util.inspect, logs and copies of the error's fields.
    for (let cls: typeof HikError = new.target; ; cls = Object.getPrototypeOf(cls) as typeof HikError) {
      Object.defineProperty(this, brandOf(cls), { value: true });
      if (cls === HikError) break;
    }
  }

  /** Inherited by every subclass, where `this` is the class on the right of `instanceof`. */
  static override [Symbol.hasInstance]<T>(
    this: abstract new (...args: never[]) => T,
    value: unknown,
  ): value is T {
    return typeof value === 'object' && value !== null && brandOf(this) in value;
  }

  /** True for any HikError, even one thrown by a second copy of this package. */
  static isHikError(value: unknown): value is HikError {
    return value instanceof HikError;
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

/**
 * A re-pin was asked with a fingerprint the device does not present now (a typo, or the
 * certificate changed again since it was read): nothing was pinned.
 */
export class CertificateNotConfirmedError extends HikError {
  override readonly code = 'HIK_ERR_CERT_NOT_CONFIRMED';
  constructor(
    readonly confirmedFingerprint: string,
    readonly presentedFingerprint: string,
  ) {
    super(
      `the device presents the TLS certificate ${presentedFingerprint}, not the confirmed ${confirmedFingerprint}; nothing was pinned`,
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
  override readonly code: HikErrorCode = 'HIK_ERR_ISAPI';
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

// ---- rotation ---------------------------------------------------------------------------------

/** The device's password limits leave no room for a strong generated password. */
export class PasswordPolicyError extends HikError {
  override readonly code = 'HIK_ERR_PASSWORD_POLICY';
}

/** The device at the configured address is not the one the vault knows; no password was sent to it. */
export class SerialMismatchError extends HikError {
  override readonly code = 'HIK_ERR_SERIAL_MISMATCH';
  constructor(
    readonly expectedSerial: string,
    readonly actualSerial: string,
  ) {
    super(`expected device ${expectedSerial} at this address but found ${actualSerial}`);
  }
}

/** A password change over plain HTTP was asked for without the device's explicit opt-in. */
export class HttpPasswordChangeRefusedError extends HikError {
  override readonly code = 'HIK_ERR_HTTP_PASSWORD_CHANGE';
  constructor(readonly serial: string) {
    super(
      `device ${serial} is reached over plain HTTP; changing its password there needs the per-device opt-in (or use HTTPS)`,
    );
  }
}

/**
 * Neither the current nor the pending password works on the device (or it was factory-reset):
 * nothing more is tried; an owner must look. `reason` says what was seen.
 */
export class NeedsAttentionError extends HikError {
  override readonly code = 'HIK_ERR_NEEDS_ATTENTION';
  constructor(
    readonly serial: string,
    readonly reason: string,
  ) {
    super(`device ${serial} needs attention: ${reason}`);
  }
}

/** Another rotation or reconcile of this device is running in this process. */
export class RotationInProgressError extends HikError {
  override readonly code = 'HIK_ERR_ROTATION_BUSY';
  constructor(readonly serial: string) {
    super(`a rotation of device ${serial} is already running`);
  }
}

/** A user with the streaming account's name already exists on the device; hik guard does not take it over. */
export class AccountNameTakenError extends HikError {
  override readonly code = 'HIK_ERR_ACCOUNT_NAME_TAKEN';
  constructor(
    readonly serial: string,
    readonly username: string,
  ) {
    super(`device ${serial} already has a user named ${username}; choose another name or remove that user`);
  }
}

/** The vault or the device has no such account (create the streaming account first). */
export class AccountMissingError extends HikError {
  override readonly code = 'HIK_ERR_ACCOUNT_MISSING';
  constructor(
    readonly serial: string,
    readonly account: string,
    readonly where: 'vault' | 'device',
  ) {
    super(
      where === 'vault'
        ? `device ${serial} has no ${account} account in the vault; create it first`
        : `the ${account} account of device ${serial} is no longer on the device; create it again`,
    );
  }
}

/** The camera's password changed, but a recorder channel that records it was not updated or is offline. */
export class DependentUpdateError extends HikError {
  override readonly code = 'HIK_ERR_DEPENDENT_UPDATE';
  constructor(
    readonly recorderSerial: string,
    readonly channelId: number | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A consumer of a device password (go2rtc, Frigate, a recorder channel, a Home Assistant
 * integration) said no to the new password, or answered in a way that shows it did not take it.
 * `consumerId` names the consumer (lib/consumers/consumer.ts), never the password.
 */
export class ConsumerRefusedError extends HikError {
  override readonly code: HikErrorCode = 'HIK_ERR_CONSUMER_REFUSED';
  constructor(
    readonly consumerId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The consumer's password cannot be changed by machine (e.g. go2rtc or Frigate read it from an
 * environment variable or a secrets file): it needs the user's own flow on credential_changed.
 */
export class ConsumerNotUpdatableError extends ConsumerRefusedError {
  override readonly code = 'HIK_ERR_CONSUMER_NOT_UPDATABLE';
}

/** The consumer could not be reached or did not answer in time; the update is tried again later. */
export class ConsumerUnreachableError extends HikError {
  override readonly code = 'HIK_ERR_CONSUMER_UNREACHABLE';
  constructor(
    readonly consumerId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The vault key (secret) cannot decrypt this vault file; nothing was read or changed. */
export class WrongVaultKeyError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_KEY';
  constructor(readonly file: string) {
    super(`the key does not open the vault ${file}; nothing was changed`);
  }
}

/**
 * The vault file is torn or altered (authenticated decryption failed) and no good copy could be
 * used. `keptCopies` names the files left untouched for inspection or manual recovery.
 */
export class VaultCorruptError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_CORRUPT';
  constructor(
    readonly file: string,
    readonly keptCopies: string[],
    detail: string,
  ) {
    super(`the vault ${file} is damaged (${detail}); kept for recovery: ${keptCopies.join(', ') || 'none'}`);
  }
}

/** No vault file exists at this path (only read-only opens require one). */
export class VaultNotFoundError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_NOT_FOUND';
  constructor(readonly file: string) {
    super(`no vault at ${file}`);
  }
}

/** Another live process holds the vault's lock file; two writers never share one vault. */
export class VaultLockedError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_LOCKED';
  constructor(
    readonly lockFile: string,
    readonly pid: number | null,
  ) {
    super(`the vault is in use by ${pid === null ? 'another process' : `process ${pid}`} (lock ${lockFile})`);
  }
}

/** Writing the vault failed (e.g. ENOSPC); the previous file is intact and memory rolled back. */
export class VaultWriteError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_WRITE';
  constructor(
    readonly file: string,
    readonly step: string,
    readonly osCode: string | null,
    options?: ErrorOptions,
  ) {
    super(
      `could not write the vault ${file} (${step}: ${osCode ?? 'error'}); the previous state is kept`,
      options,
    );
  }
}

/** `enrol` for a serial the vault already holds. */
export class VaultRecordExistsError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_RECORD_EXISTS';
  constructor(readonly serial: string) {
    super(`the vault already holds device ${serial}`);
  }
}

/** The vault holds no record for this serial. */
export class VaultRecordMissingError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_RECORD_MISSING';
  constructor(readonly serial: string) {
    super(`the vault holds no device ${serial}`);
  }
}

/**
 * A different pending password is already recorded for this device: it may be the one the device
 * has now, so it is never overwritten. Reconcile the device first.
 */
export class VaultPendingExistsError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_PENDING';
  constructor(readonly serial: string) {
    super(`device ${serial} has an unresolved pending password; reconcile it first`);
  }
}

/** Node-RED has no credential secret to derive the vault key from (encryption disabled). */
export class VaultKeyMissingError extends HikError {
  override readonly code = 'HIK_ERR_VAULT_NO_KEY';
}

/** A SADP socket could not be opened, bound or joined to the group (port in use, no such interface). */
export class SadpSocketError extends HikError {
  override readonly code = 'HIK_ERR_SADP_SOCKET';
  constructor(
    readonly address: string,
    readonly port: number,
    readonly systemCode: string | null,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// ---- Home Assistant -------------------------------------------------------------------------

/** Home Assistant refused the access token (WebSocket `auth_invalid` or REST 401). Never retried. */
export class HaAuthInvalidError extends HikError {
  override readonly code = 'HIK_ERR_HA_AUTH_INVALID';
  constructor(message = 'Home Assistant refused the access token') {
    super(message);
  }
}

/** The token is valid but its user is not an administrator, which events and states need. */
export class HaNotAdminError extends HikError {
  override readonly code = 'HIK_ERR_HA_NOT_ADMIN';
  constructor() {
    super('the Home Assistant user of this token is not an administrator');
  }
}

/** Home Assistant could not be reached (refused, reset, DNS, TLS) or closed before auth. */
export class HaUnreachableError extends HikError {
  override readonly code = 'HIK_ERR_HA_UNREACHABLE';
}

/** Home Assistant did not complete a phase in time. */
export class HaTimeoutError extends HikError {
  override readonly code = 'HIK_ERR_HA_TIMEOUT';
  constructor(
    readonly phase: 'handshake' | 'auth' | 'response',
    readonly timeoutMs: number,
  ) {
    super(`Home Assistant did not complete the ${phase} within ${timeoutMs} ms`);
  }
}

/** The WebSocket connection dropped while a command was in flight; it may or may not have run. */
export class HaConnectionLostError extends HikError {
  override readonly code = 'HIK_ERR_HA_CONNECTION_LOST';
  constructor(message = 'the connection to Home Assistant was lost') {
    super(message);
  }
}

/** Home Assistant answered a WebSocket command with an error; `haCode` is its code (`not_found`, …). */
export class HaCommandError extends HikError {
  override readonly code = 'HIK_ERR_HA_COMMAND';
  constructor(
    readonly haCode: string,
    message: string,
  ) {
    super(`Home Assistant refused the command (${haCode}): ${message}`);
  }
}

/** Home Assistant answered REST with 503: it is stopping or restarting. */
export class HaStoppingError extends HikError {
  override readonly code = 'HIK_ERR_HA_STOPPING';
  constructor() {
    super('Home Assistant is stopping (HTTP 503)');
  }
}

/** Home Assistant refused a REST request (400, 404, 5xx…); `httpStatus` says which. */
export class HaRequestRejectedError extends HikError {
  override readonly code = 'HIK_ERR_HA_REJECTED';
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(`Home Assistant answered HTTP ${httpStatus}: ${message}`);
  }
}

/** The Home Assistant link was closed (redeploy, shutdown) before the work could be done. */
export class HaLinkClosedError extends HikError {
  override readonly code = 'HIK_ERR_HA_CLOSED';
  constructor() {
    super('the Home Assistant link is closed');
  }
}

export type ReclaimRefusal = 'unknown_device' | 'pending_change' | 'not_inactive';

/**
 * A re-claim (activation by us) was not attempted: the vault does not know the device and it was
 * not listed (`unknown_device`), a password change of it is unresolved (`pending_change`), or the
 * device is not in factory state (`not_inactive`). Nothing was sent to the device.
 */
export class ReclaimRefusedError extends HikError {
  override readonly code = 'HIK_ERR_RECLAIM_REFUSED';
  constructor(
    readonly serial: string,
    readonly reason: ReclaimRefusal,
  ) {
    super(`re-claim of device ${serial} refused: ${reason.replace('_', ' ')}`);
  }
}

/** An action (rotate, verify) was asked for a device that no hik-credentials node rotates. */
export class NotManagedError extends HikError {
  override readonly code = 'HIK_ERR_NOT_MANAGED';
  constructor(readonly serial: string) {
    super(`no hik-credentials node rotates device ${serial}; add it to one to rotate or verify it`);
  }
}

// ---- MQTT -------------------------------------------------------------------------------------

/**
 * The MQTT broker refused the login (CONNACK 4/5, or MQTT 5 reason 134/135/140). Never retried:
 * each try counts as a failed login on the broker too. `reasonCode` is what the broker answered.
 */
export class MqttAuthError extends HikError {
  override readonly code = 'HIK_ERR_MQTT_AUTH';
  constructor(readonly reasonCode: number) {
    super(`the MQTT broker refused the login (reason ${reasonCode})`);
  }
}

/**
 * The MQTT broker refused the connection for another reason (`reasonCode`): an identifier it does
 * not accept is not retried (`retried: false`), a broker that says it is unavailable is.
 */
export class MqttRefusedError extends HikError {
  override readonly code = 'HIK_ERR_MQTT_REFUSED';
  constructor(
    readonly reasonCode: number,
    readonly retried: boolean,
  ) {
    super(`the MQTT broker refused the connection (reason ${reasonCode})`);
  }
}

/** The MQTT broker could not be reached (refused, DNS, TLS, timeout) or closed the connection. */
export class MqttUnreachableError extends HikError {
  override readonly code = 'HIK_ERR_MQTT_UNREACHABLE';
  constructor(
    message: string,
    readonly systemCode: string | null = null,
  ) {
    super(message);
  }
}
