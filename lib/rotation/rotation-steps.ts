/**
 * The steps of one rotation, in order, and the events that report them. Events carry the step
 * and the outcome, never a password; node status, the CLI and the crash tests all listen to them.
 */

export const ROTATION_STEPS = [
  'precheck',
  'generate',
  'persist_pending',
  'apply',
  /** Only when the device has consumers (recorder channels, go2rtc…) of the changed account. */
  'update_consumers',
  'settle',
  'verify',
  'commit',
  /** Only after update_consumers: checks that updated consumers work (channels online). */
  'confirm_consumers',
] as const;

/**
 * `reconcile` settles an unresolved change; `update_dependents` is the re-claim's recorder step;
 * `permissions`: a new account's rights (the streaming account, lib/accounts/).
 */
export type RotationStep =
  (typeof ROTATION_STEPS)[number] | 'reconcile' | 'update_dependents' | 'permissions';

export interface RotationEvent {
  serial: string;
  step: RotationStep;
  /** `start` before the step, `done` after it succeeded, `failed` when it threw. */
  phase: 'start' | 'done' | 'failed';
  /** The error code when `failed`. */
  code?: string;
  /** A named account's operation (`streaming`); absent for the administrator. */
  account?: string;
}

/**
 * Receives every event. May return a promise: the rotation waits for it before going on, which
 * lets a test stop a process exactly at a step boundary.
 */
export type RotationListener = (event: RotationEvent) => void | Promise<void>;

/** Runs `work` as `step`, reporting start, done or failed. */
export async function runStep<T>(
  listener: RotationListener | undefined,
  serial: string,
  step: RotationStep,
  work: () => Promise<T>,
): Promise<T> {
  await listener?.({ serial, step, phase: 'start' });
  let result: T;
  try {
    result = await work();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    await listener?.({ serial, step, phase: 'failed', ...(typeof code === 'string' ? { code } : {}) });
    throw err;
  }
  await listener?.({ serial, step, phase: 'done' });
  return result;
}
