/**
 * Exit codes, JSON error shapes and error lines shared by the commands that log in (`rotate`,
 * `reconcile`, `activate`, `status`, `audit`): the same codes as `status`, plus 7 when a device needs
 * attention and 8 when the vault cannot be used. A refusal that tells how many login attempts the
 * device still allows says so, in text and JSON.
 */
import {
  AuthFailedError,
  CertificateNotConfirmedError,
  CertificatePinMismatchError,
  DeviceLockedError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  LoginGuardRefusedError,
  NeedsAttentionError,
  VaultCorruptError,
  VaultLockedError,
  WrongVaultKeyError,
} from '../lib/errors';
import { EXIT } from './cli-io';

/** Exit codes 3 to 6 and 9, the same for every command that talks to a device. */
export const DEVICE_EXIT_CODES: readonly (readonly [number, string])[] = [
  [EXIT.authFailed, 'authentication failed, or the password was refused before and not sent'],
  [EXIT.locked, 'device locked'],
  [EXIT.unreachable, 'unreachable or timeout'],
  [EXIT.deviceError, 'the device answered with an error'],
  [EXIT.certificateChanged, 'the TLS certificate is not the pinned one; nothing was sent'],
];

/** What exit 8 means, for the commands that open a vault. */
export const VAULT_UNUSABLE_TEXT =
  'the vault key does not open the vault, it is damaged beyond its backup, or another process (Node-RED) holds it';

/** 8 when the vault cannot be used (wrong key, damaged, held by another writer), else null. */
export function vaultExitCode(err: unknown): number | null {
  return err instanceof WrongVaultKeyError ||
    err instanceof VaultCorruptError ||
    err instanceof VaultLockedError
    ? EXIT.vaultUnusable
    : null;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof NeedsAttentionError) return EXIT.needsAttention;
  const vault = vaultExitCode(err);
  if (vault !== null) return vault;
  if (err instanceof CertificatePinMismatchError || err instanceof CertificateNotConfirmedError) {
    return EXIT.certificateChanged;
  }
  if (err instanceof AuthFailedError) return EXIT.authFailed;
  if (err instanceof DeviceLockedError) return EXIT.locked;
  if (err instanceof LoginGuardRefusedError) {
    return err.reason === 'credential_failed_before' ? EXIT.authFailed : EXIT.locked;
  }
  if (err instanceof DeviceTimeoutError || err instanceof DeviceUnreachableError) return EXIT.unreachable;
  if (HikError.isHikError(err)) return EXIT.deviceError;
  return EXIT.failure;
}

/** `{code, message}` (and `retriesLeft` when the device told) for --json; never a password. */
export function errorJson(err: unknown): { code: string; message: string; retriesLeft?: number } {
  if (err instanceof AuthFailedError && err.retriesLeft !== null) {
    return { code: err.code, message: err.message, retriesLeft: err.retriesLeft };
  }
  if (HikError.isHikError(err)) return { code: err.code, message: err.message };
  return { code: 'HIK_ERR', message: err instanceof Error ? err.message : String(err) };
}

/** The error line's text: the message, plus the login attempts left where the device reported them. */
export function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AuthFailedError && err.retriesLeft !== null) {
    const attempts = err.retriesLeft === 1 ? 'attempt' : 'attempts';
    return `${message}; the device reports ${err.retriesLeft} login ${attempts} left before it locks`;
  }
  return message;
}
