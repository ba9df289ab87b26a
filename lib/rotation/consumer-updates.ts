/**
 * The consumers' part of a password change, write-ahead like the device's own: the vault lists
 * the consumers a change must reach (writePending), notes each one that took the new password,
 * and after the commit keeps the others as stale. So whatever stops a rotation (a refusal, an
 * unreachable consumer, a crash at any step) leaves a list that `refreshStaleConsumers` works
 * off with the vault's current password, in this process or the next.
 *
 * Consumers are updated all at once, started in update order (fastest retriers first): the
 * device already holds the new password, so every second a consumer keeps the old one is a
 * failed login it may spend. A consumer only ever gets the password the vault says is (about to
 * be) current, never an older one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CONSUMER_ACCOUNTS,
  inUpdateOrder,
  isInStep,
  type Consumer,
  type ConsumerAccount,
  type ConsumerDevice,
  type ConsumerReport,
  type ConsumerUpdateResult,
} from '../consumers/consumer';
import { ConsumerRefusedError, HikError } from '../errors';
import type { CredentialVault, VaultRecord } from '../vault/credential-vault';
import { defaultDeviceLocks, type DeviceLocks } from './device-locks';

export interface ConsumerPhaseOptions {
  vault: CredentialVault;
  serial: string;
  /** The device's consumers (of any account; only those of the account being changed are used). */
  consumers: readonly Consumer[];
  device: ConsumerDevice;
  signal?: AbortSignal | undefined;
}

/** The consumers a change of the admin password must reach (streaming ones use another account). */
export function adminConsumers(consumers: readonly Consumer[]): Consumer[] {
  return consumers.filter((c) => c.account === 'admin');
}

/**
 * An update that met an outage (a blip at the consumer, the device busy while the consumer checked
 * the new password) is tried once more after this pause: the device already holds the password,
 * so a consumer left behind may spend failed logins until the stale-consumer retry minutes later.
 */
const RETRY_UNREACHABLE_AFTER_MS = 1_000;

/**
 * What a consumer that took the password holds, as the vault notes it: the admin change's
 * `pending` password, the `current` one of its account, or a named account's pending one.
 */
export type ConsumerHolds = 'pending' | 'current' | { readonly pendingOf: string };

/**
 * Gives `password` to `due` consumers at once (started in update order) and notes each one that
 * took it in the vault (`holds`). Never throws.
 */
export async function updateConsumers(
  options: ConsumerPhaseOptions,
  due: readonly Consumer[],
  credential: { username: string; password: string },
  holds: ConsumerHolds,
): Promise<ConsumerReport[]> {
  const context = { device: options.device, signal: options.signal };
  const note = (id: string): Promise<void> =>
    typeof holds === 'string'
      ? options.vault.noteConsumerUpdated(options.serial, id, holds)
      : options.vault.noteAccountConsumerUpdated(options.serial, holds.pendingOf, id);
  return Promise.all(
    inUpdateOrder(due).map(async (consumer) => {
      let result = await settled(consumer, () => consumer.update(credential, context));
      if (result.status === 'unreachable' && (await pause(RETRY_UNREACHABLE_AFTER_MS, options.signal)))
        result = await settled(consumer, () => consumer.update(credential, context));
      const report = reportOf(consumer, result);
      if (isInStep(report)) await note(consumer.id);
      return report;
    }),
  );
}

/**
 * After the commit: asks each updated consumer that can tell (recorder channels) whether it works
 * now; one that does not becomes stale, to be updated again. Returns the reports, amended.
 */
export async function confirmConsumers(
  options: ConsumerPhaseOptions,
  reports: readonly ConsumerReport[],
): Promise<ConsumerReport[]> {
  const context = { device: options.device, signal: options.signal };
  return Promise.all(
    reports.map(async (report) => {
      const consumer = options.consumers.find((c) => c.id === report.id);
      const confirm = consumer?.confirm?.bind(consumer);
      if (!consumer || !confirm || !isInStep(report)) return report;
      const confirmed = reportOf(consumer, await settled(consumer, () => confirm(context)));
      if (!isInStep(confirmed)) await options.vault.markConsumerStale(options.serial, consumer.id);
      return confirmed;
    }),
  );
}

/**
 * Brings the consumers the vault lists as stale up to date with its current password, then
 * confirms them. Nothing is done while a change is unresolved (reconcile first) or the device
 * needs attention. Holds the device's lock (waits for a running rotation to end).
 */
export async function refreshStaleConsumers(
  options: ConsumerPhaseOptions & { locks?: DeviceLocks | undefined },
): Promise<ConsumerReport[]> {
  const locks = options.locks ?? defaultDeviceLocks();
  return locks.run(options.serial, () => refreshHeld(options), { wait: true });
}

/** `refreshStaleConsumers` for callers that hold the device's lock already. */
export async function refreshHeld(options: ConsumerPhaseOptions): Promise<ConsumerReport[]> {
  const record = options.vault.get(options.serial);
  if (!record || record.pending || record.state !== 'ok') return [];
  await options.vault.forgetConsumers(
    options.serial,
    options.consumers.map((c) => c.id),
  );
  const reports: ConsumerReport[] = [];
  for (const account of CONSUMER_ACCOUNTS) {
    const credential = currentCredential(record, account);
    const due = options.consumers.filter(
      (c) => c.account === account && record.staleConsumers.includes(c.id),
    );
    if (credential && due.length > 0)
      reports.push(...(await updateConsumers(options, due, credential, 'current')));
  }
  return reports.length === 0 ? [] : confirmConsumers(options, reports);
}

/**
 * The password in force of one of the device's accounts (the record's own for admin), or null
 * while the account has none yet or a change of it is unresolved: its consumers wait.
 */
function currentCredential(
  record: VaultRecord,
  account: ConsumerAccount,
): { username: string; password: string } | null {
  if (account === 'admin') return { username: record.username, password: record.password };
  const named = record.accounts[account];
  return named?.password && !named.pending ? { username: named.username, password: named.password } : null;
}

/** Waits `ms` unless aborted first; true when the wait ran its course. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Runs a consumer's update or confirm; a consumer that throws (it should not) counts as refused. */
async function settled(
  consumer: Consumer,
  work: () => Promise<ConsumerUpdateResult>,
): Promise<ConsumerUpdateResult> {
  try {
    return await work();
  } catch (err) {
    const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    const error = new ConsumerRefusedError(consumer.id, `${consumer.label} failed (${code})`, { cause: err });
    return { status: 'refused', error, outOfDate: [] };
  }
}

function reportOf(consumer: Consumer, result: ConsumerUpdateResult): ConsumerReport {
  return {
    id: consumer.id,
    kind: consumer.kind,
    label: consumer.label,
    account: consumer.account,
    status: result.status,
    code: result.status === 'updated' ? null : result.error.code,
    outOfDate: result.outOfDate,
  };
}

/** "recorder channel 3, go2rtc at 127.0.0.1:1984": what is not in step, for people. */
export function outOfDateParts(reports: readonly ConsumerReport[]): string[] {
  return reports.flatMap((r) => (isInStep(r) ? [] : r.outOfDate.length > 0 ? [...r.outOfDate] : [r.label]));
}
