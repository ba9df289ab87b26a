/**
 * Exit codes and JSON error shapes shared by `hik-guard rotate` and `reconcile`: the same codes
 * as `status`, plus 7 when a device needs attention and 8 when the vault cannot be used.
 */
import {
  AuthFailedError,
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

export function exitCodeFor(err: unknown): number {
  if (err instanceof NeedsAttentionError) return EXIT.needsAttention;
  if (
    err instanceof WrongVaultKeyError ||
    err instanceof VaultCorruptError ||
    err instanceof VaultLockedError
  ) {
    return EXIT.vaultUnusable;
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

/** `{code, message}` for --json output; messages never hold passwords. */
export function errorJson(err: unknown): { code: string; message: string } {
  if (HikError.isHikError(err)) return { code: err.code, message: err.message };
  return { code: 'HIK_ERR', message: err instanceof Error ? err.message : String(err) };
}
