/** Shared bits for the Home Assistant tests: tokens, a formatter, bounded waits. */
import type { DeviceTransition } from '../../../lib/homeassistant/hik-guard-alerts';

export const ADMIN_TOKEN = 'ha-admin-token-canary-5d1e0c';
export const USER_TOKEN = 'ha-user-token-canary-9a2b71';

export function describeForTest(t: DeviceTransition): { title: string; message: string } {
  return { title: `Camera ${t.type}`, message: `${t.name ?? t.serial} is now ${t.to}` };
}

/** Polls `check` until it is true; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves `promise`, or fails after `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
