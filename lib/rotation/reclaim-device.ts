/**
 * Re-claim: a device the vault knows came back from a factory reset (inactive, claimable by anyone
 * on the LAN); we activate it first. The same write-ahead rule as a rotation: the fresh password is
 * durable in the vault (pending) before the activate call, committed only after it opened the
 * device, then the recorders that record this camera get it too. Activation needs no login (its
 * own RSA/AES exchange), so only the one verification spends a login attempt. It reports the
 * same steps as a rotation (lib/rotation/rotation-steps.ts), with `apply` being the activation.
 *
 * If the device turns out to be activated by someone else first, the outcome is `ownership_lost`
 * and the vault record is flagged needs_attention, so nothing (rotation, verify) keeps sending a
 * password that cannot work. A device the vault does not know is activated only when listed.
 */
import {
  AuthFailedError,
  HikError,
  IsapiStatusError,
  ReclaimRefusedError,
  SerialMismatchError,
} from '../errors';
import { activateDevice } from '../isapi/endpoints/activation';
import { getActivationStatus, getDeviceInfo, type DeviceInfo } from '../isapi/endpoints/system';
import { IsapiClient } from '../isapi/isapi-client';
import type { Evidence } from '../device-vocabulary';
import type { CredentialVault } from '../vault/credential-vault';
import { updateDependentChannels, type DependentResult, type RecorderLink } from './dependent-channels';
import type { ConnectionOptions, DeviceAddress } from './device-connection';
import { defaultDeviceLocks, type DeviceLocks } from './device-locks';
import { generatePassword } from './password-policy';
import { ATTENTION_REASONS } from './reconcile-device';
import { runStep, type RotationListener } from './rotation-steps';

/** Activation always sets the password of this account (the only one after a reset). */
const ACTIVATION_USER = 'admin';

export interface ReclaimOptions extends ConnectionOptions {
  vault: CredentialVault;
  serial: string;
  address: Required<DeviceAddress>;
  /** The owner listed this serial: activate it even though the vault does not know it. */
  listed?: boolean;
  /**
   * The monitor saw the device inactive: if it is activated by now, someone else got there first
   * (ownership_lost) rather than a mistaken call (ReclaimRefusedError not_inactive).
   */
  sawInactive?: boolean;
  /** Recorders whose channels record this camera (their channel address is `address.host`). */
  recorders?: readonly RecorderLink[];
  locks?: DeviceLocks;
  /** Hears each step (`precheck`, `persist_pending`, `apply`, `verify`, `commit`, `update_dependents`). */
  onEvent?: RotationListener | undefined;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

export interface ReclaimOutcome {
  serial: string;
  result: 'reclaimed' | 'ownership_lost';
  /** What the re-claimed device said of itself (null when it was lost). */
  model: string | null;
  firmware: string | null;
  evidence: Evidence;
  dependents: DependentResult[];
}

export async function reclaimDevice(options: ReclaimOptions): Promise<ReclaimOutcome> {
  const locks = options.locks ?? defaultDeviceLocks();
  return locks.run(options.serial, () => reclaimHeld(options), { wait: true });
}

async function reclaimHeld(options: ReclaimOptions): Promise<ReclaimOutcome> {
  const { vault, serial, address } = options;
  let record = vault.get(serial);
  if (!record && !options.listed) throw new ReclaimRefusedError(serial, 'unknown_device');
  let learntPin: string | undefined;
  const client = new IsapiClient({
    ...address,
    serial,
    // A reset device may have made itself a new certificate: learn it, store it once verified.
    tlsPin: { onFirstUse: (fingerprint) => (learntPin = fingerprint) },
    guard: options.guard,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const lost = async (evidence: Evidence, discardOurs: boolean): Promise<ReclaimOutcome> => {
    // A pending password the device refused is no candidate; one that may have reached it stays.
    if (record && discardOurs) await vault.discardPending(serial);
    await vault.markNeedsAttention(serial, ATTENTION_REASONS.ownershipLost);
    return {
      serial,
      result: 'ownership_lost',
      model: null,
      firmware: null,
      evidence: { signal: 'reclaim', ...evidence },
      dependents: [],
    };
  };
  const step = <T>(name: Parameters<typeof runStep>[2], work: () => Promise<T>): Promise<T> =>
    runStep(options.onEvent, serial, name, work);
  try {
    const before = await step('precheck', () => getActivationStatus(client));
    if (before === true) {
      if (options.sawInactive && record)
        return await lost({ activateStatus: true, activation: 'not_tried' }, false);
      throw new ReclaimRefusedError(serial, 'not_inactive');
    }
    if (record?.pending) {
      // A reset device has no password at all, so an unresolved change cannot be on it: the pending
      // password is dropped (it opens nothing) and the re-claim goes on. Unknown status: wait.
      if (before !== false) throw new ReclaimRefusedError(serial, 'pending_change');
      await vault.discardPending(serial);
      record = vault.get(serial);
    }
    const password = generatePassword({ username: ACTIVATION_USER });
    // An inactive device holds no password: reconcile must never spend a login on the old one.
    await step('persist_pending', async () => {
      if (record) await vault.writePending(serial, password, { currentUnusable: true });
      else await vault.enrol({ serial, username: ACTIVATION_USER, password, ...address });
    });
    try {
      await step('apply', () => activateDevice(client, password));
    } catch (err) {
      const now = await getActivationStatus(client).catch(() => null);
      if (now === true && err instanceof IsapiStatusError) {
        return await lost({ activateStatus: true, activation: err.code }, true);
      }
      if (now === false) {
        // Still inactive: the password never reached the device.
        if (record) await vault.discardPending(serial);
        else await vault.markNeedsAttention(serial, ATTENTION_REASONS.notActivated);
        throw err;
      }
      // Unknown (it may be rebooting after taking the password): the pending password stays, for
      // reconcile or the next re-claim to settle once the device answers.
      if (now === null) throw err;
      // Activated, but the answer was lost: the verification below tells whose password it has.
    }
    let info: DeviceInfo;
    try {
      info = await step('verify', async () => {
        client.useCredential({ username: ACTIVATION_USER, password });
        const read = await getDeviceInfo(client);
        if (read.serial !== serial) throw new SerialMismatchError(serial, read.serial);
        return read;
      });
    } catch (err) {
      if (err instanceof AuthFailedError) return await lost({ activated: true, verified: false }, false);
      throw err;
    }
    await step('commit', async () => {
      if (record) await vault.commitPending(serial);
      await vault.update(serial, {
        ...address,
        username: ACTIVATION_USER,
        tlsPin: learntPin,
      });
    });
    const dependents = await step('update_dependents', () => reapplyDependents(options, password));
    return {
      serial,
      result: 'reclaimed',
      model: info.model,
      firmware: info.firmware,
      evidence: {
        signal: 'reclaim',
        activated: true,
        verified: true,
        usernameReset: record !== undefined && record.username !== ACTIVATION_USER,
        channelsUpdated: dependents.filter((d) => d.code === null).length,
        channelsFailed: dependents.filter((d) => d.code !== null).length,
      },
      dependents,
    };
  } finally {
    await client.close();
  }
}

async function reapplyDependents(options: ReclaimOptions, password: string): Promise<DependentResult[]> {
  if (!options.recorders || options.recorders.length === 0) return [];
  try {
    return await updateDependentChannels({
      vault: options.vault,
      camera: { host: options.address.host },
      recorders: options.recorders,
      password,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      clock: options.clock ?? Date.now,
      guard: options.guard,
    });
  } catch (err) {
    // The camera is ours and committed whatever happens to its recorders; report, do not throw.
    const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    return options.recorders.map((r) => ({ recorderSerial: r.serial, channelId: null, online: false, code }));
  }
}
