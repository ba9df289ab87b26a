/**
 * Dependents of a camera password: the recorder channels that log in to the camera. After the
 * camera's password changed, each enrolled recorder the caller names is checked for channels whose
 * address is the camera's (and port, when given), each such channel gets the new password (GET,
 * change only the password, PUT), and the channel status is polled until those channels are online
 * or a bounded time has passed. A recorder left on the old password would keep logging in with it
 * and soon lock the camera for its own address, so this runs right after the camera verified.
 * Failures are reported per channel, never thrown: the camera's new password must be committed.
 */
import { DependentUpdateError, VaultRecordMissingError, HikError, type HikErrorCode } from '../errors';
import {
  getProxyChannelStatus,
  listProxyChannels,
  putProxyChannelPassword,
  type ProxyChannel,
} from '../isapi/endpoints/input-proxy';
import { DeviceConnection, type ConnectionOptions, type DeviceAddress } from './device-connection';
import type { CredentialVault } from '../vault/credential-vault';

export interface RecorderLink {
  /** Serial of an enrolled recorder (NVR) that may record the camera. */
  serial: string;
  /** Where to reach it, when newer than its vault record. */
  address?: DeviceAddress;
}

/** How a recorder's channel names the camera. */
export interface CameraMatch {
  host: string;
  /** Match the channel's `managePortNo` too (needed when cameras share an address). */
  channelPort?: number | undefined;
}

export interface DependentResult {
  recorderSerial: string;
  /** null when the recorder itself could not be used. */
  channelId: number | null;
  /** Whether the channel came back online with the new password. */
  online: boolean;
  /** Error code when something failed. */
  code: HikErrorCode | null;
}

export interface DependentUpdateOptions extends ConnectionOptions {
  vault: CredentialVault;
  camera: CameraMatch;
  recorders: readonly RecorderLink[];
  password: string;
  /** Default 2 s between status polls. */
  pollMs?: number | undefined;
  /** Default 30 s for the channels to come online. */
  onlineTimeoutMs?: number | undefined;
  sleep: (ms: number) => Promise<void>;
  clock: () => number;
}

export async function updateDependentChannels(options: DependentUpdateOptions): Promise<DependentResult[]> {
  const results: DependentResult[] = [];
  for (const recorder of options.recorders) {
    results.push(...(await updateRecorder(options, recorder)));
  }
  return results;
}

async function updateRecorder(
  options: DependentUpdateOptions,
  link: RecorderLink,
): Promise<DependentResult[]> {
  const failed = (err: unknown, channelId: number | null): DependentResult => ({
    recorderSerial: link.serial,
    channelId,
    online: false,
    code: HikError.isHikError(err) ? err.code : 'HIK_ERR',
  });
  const record = options.vault.get(link.serial);
  if (!record) return [failed(new VaultRecordMissingError(link.serial), null)];
  let connection: DeviceConnection | null = null;
  try {
    connection = new DeviceConnection(options.vault, record, link.address, options);
    // The camera's password goes to this device only once it proved to be the enrolled recorder.
    await connection.identify();
    const channels = await channelsRecording(connection, options.camera);
    const updated: number[] = [];
    const results: DependentResult[] = [];
    for (const channel of channels) {
      try {
        await putProxyChannelPassword(connection.client, channel.id, options.password);
        updated.push(channel.id);
      } catch (err) {
        results.push(failed(err, channel.id));
      }
    }
    const online = await waitOnline(options, connection, updated);
    for (const id of updated) {
      const isOnline = online.has(id);
      results.push({
        recorderSerial: link.serial,
        channelId: id,
        online: isOnline,
        code: isOnline
          ? null
          : new DependentUpdateError(link.serial, id, `channel ${id} is not online with the new password`)
              .code,
      });
    }
    return results;
  } catch (err) {
    return [failed(err, null)];
  } finally {
    await connection?.close();
  }
}

/** Channels of the recorder that log in to the camera. */
export async function channelsRecording(
  connection: DeviceConnection,
  camera: CameraMatch,
): Promise<ProxyChannel[]> {
  return (await listProxyChannels(connection.client)).filter(
    (c) =>
      c.ipAddress === camera.host &&
      (camera.channelPort === undefined || c.managePort === camera.channelPort),
  );
}

/** Polls channel status until every id is online or the time is up; returns the online ids. */
export async function waitOnline(
  options: Pick<DependentUpdateOptions, 'clock' | 'sleep' | 'pollMs' | 'onlineTimeoutMs'>,
  connection: DeviceConnection,
  ids: readonly number[],
): Promise<Set<number>> {
  const online = new Set<number>();
  if (ids.length === 0) return online;
  const deadline = options.clock() + (options.onlineTimeoutMs ?? 30_000);
  for (;;) {
    const statuses = await getProxyChannelStatus(connection.client);
    for (const status of statuses)
      if (status.online === true && ids.includes(status.id)) online.add(status.id);
    if (online.size === ids.length || options.clock() >= deadline) return online;
    await options.sleep(options.pollMs ?? 2_000);
  }
}
