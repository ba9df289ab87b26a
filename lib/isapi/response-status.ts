/**
 * Reads the status bodies Hikvision devices answer with (`ResponseStatus`, `userCheck`,
 * `SessionLogin`, any namespace) and turns them into the typed errors callers act on. The HTTP
 * status alone is not enough: error bodies arrive with 200 as well as 4xx (docs/protocol/isapi.md §2.3).
 */
import {
  AuthFailedError,
  DeviceBusyError,
  DeviceLockedError,
  IsapiStatusError,
  NotActivatedError,
  NotSupportedError,
  RebootRequiredError,
  type IsapiStatus,
} from '../errors';
import type { XmlElement } from '../xml/xml';

/** Illegal-login-lock state as the device reported it; null = not reported. */
export interface LockInfo {
  locked: boolean | null;
  unlockInSeconds: number | null;
  retriesLeft: number | null;
}

/** Used when a device reports a lock without saying for how long: the 30-minute default. */
const DEFAULT_LOCK_SECONDS = 1800;

/** ISAPI statusCode meaning OK (0 is also accepted, per the SDK schema). */
const STATUS_OK = 1;

/** `lockStatus`/`unlockTime`/`retryLoginTime`, or the session-login `retryTimes`/`resLockTime`. */
export function readLockInfo(root: XmlElement | null): LockInfo {
  if (!root) return { locked: null, unlockInSeconds: null, retriesLeft: null };
  const lockStatus = root.textAt('lockStatus')?.toLowerCase();
  return {
    locked: lockStatus === 'lock' ? true : lockStatus === 'unlock' ? false : null,
    unlockInSeconds: nonNegative(root.intAt('unlockTime') ?? root.intAt('resLockTime')),
    retriesLeft: nonNegative(root.intAt('retryLoginTime') ?? root.intAt('retryTimes')),
  };
}

/**
 * The status fields of a body. userCheck and SessionLogin report `statusValue` (an HTTP-like
 * code) instead of `statusCode`: 200 becomes statusCode 1; any other value leaves statusCode
 * null, since it is not an ISAPI status code and httpStatus already says what failed.
 */
export function readIsapiStatus(httpStatus: number, root: XmlElement | null): IsapiStatus {
  const statusCode = root?.intAt('statusCode') ?? (root?.intAt('statusValue') === 200 ? STATUS_OK : null);
  return {
    httpStatus,
    statusCode,
    statusString: nonEmpty(root?.textAt('statusString')),
    subStatusCode: nonEmpty(root?.textAt('subStatusCode')),
    requestUrl: nonEmpty(root?.textAt('requestURL')),
  };
}

/** Only an explicit OK counts: a missing status is not evidence of success. */
export function isOkStatus(status: IsapiStatus): boolean {
  return status.statusCode === 0 || status.statusCode === STATUS_OK;
}

const NOT_SUPPORTED_SUB_CODES = new Set(['notSupport', 'methodNotAllowed']);
const NOT_SUPPORTED_HTTP = new Set([403, 404, 405]);
const INVALID_OPERATION = 4;

/**
 * The most specific error for a non-OK status. A 403/404/405 means "not offered here" unless the
 * body names another failure: it must carry no statusCode, or only the generic statusCode 4
 * (Invalid Operation) without a sub-code other than `invalidOperation`.
 */
export function toIsapiError(status: IsapiStatus): IsapiStatusError {
  const { statusCode, subStatusCode } = status;
  // A plain 503 is how busy firmware answers when it has no breath left for a ResponseStatus.
  if (statusCode === 2 || (statusCode === null && status.httpStatus === 503))
    return new DeviceBusyError(status);
  if (statusCode === 7) return new RebootRequiredError(status);
  if (subStatusCode === 'notActivated') return new NotActivatedError(status);
  if (subStatusCode !== null && NOT_SUPPORTED_SUB_CODES.has(subStatusCode))
    return new NotSupportedError(status);
  const genericBody =
    statusCode === null ||
    (statusCode === INVALID_OPERATION && (subStatusCode === null || subStatusCode === 'invalidOperation'));
  if (NOT_SUPPORTED_HTTP.has(status.httpStatus) && genericBody) return new NotSupportedError(status);
  return new IsapiStatusError(status);
}

/** What a 401 body says: locked out (even the right password fails) or just a wrong credential. */
export function authFailureFromBody(root: XmlElement | null): AuthFailedError | DeviceLockedError {
  const lock = readLockInfo(root);
  if (lock.locked === true) return new DeviceLockedError(lock.unlockInSeconds ?? DEFAULT_LOCK_SECONDS);
  return new AuthFailedError(lock.retriesLeft);
}

function nonNegative(value: number | null): number | null {
  return value !== null && value >= 0 ? value : null;
}

function nonEmpty(value: string | null | undefined): string | null {
  return value ? value : null;
}
