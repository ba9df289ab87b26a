/**
 * An enrolled recorder (NVR) as a consumer of a camera's password: its proxy channels that point
 * at the camera log in with the stored password, every few seconds, from the recorder's own
 * address. `update` identifies the recorder (so the camera's password goes only to the enrolled
 * serial) and PUTs the password into each matching channel, nothing else; `confirm` polls the
 * channel status until those channels are online. The recorder is reached with its own vault
 * credential, never with the camera's.
 */
import { ConsumerRefusedError, ConsumerUnreachableError, HikError, VaultRecordMissingError } from '../errors';
import { putProxyChannelPassword } from '../isapi/endpoints/input-proxy';
import { channelsRecording, waitOnline, type RecorderLink } from '../rotation/dependent-channels';
import { DeviceConnection, type ConnectionOptions } from '../rotation/device-connection';
import type { CredentialVault } from '../vault/credential-vault';
import type { Consumer, ConsumerCredential, ConsumerUpdateContext, ConsumerUpdateResult } from './consumer';

export interface RecorderChannelConsumerOptions extends ConnectionOptions {
  vault: CredentialVault;
  recorder: RecorderLink;
  /** Match channels on this `managePortNo` as well as the camera's address. */
  channelPort?: number | undefined;
  /** Default 1 s between channel status polls in `confirm`. */
  pollMs?: number | undefined;
  /** Default 30 s for the channels to come online in `confirm`. */
  onlineTimeoutMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  clock?: (() => number) | undefined;
}

/** How a channel is named to people, in results and on the node ("recorder channel 3"). */
export function channelName(id: number): string {
  return `recorder channel ${id}`;
}

export class RecorderChannelConsumer implements Consumer {
  readonly kind = 'recorder_channel';
  readonly account = 'admin';
  readonly id: string;
  readonly label: string;

  constructor(private readonly options: RecorderChannelConsumerOptions) {
    this.id = `recorder_channel:${options.recorder.serial}`;
    this.label = `recorder ${options.recorder.serial}`;
  }

  async update(
    credential: ConsumerCredential,
    context: ConsumerUpdateContext,
  ): Promise<ConsumerUpdateResult> {
    return this.withRecorder(async (connection) => {
      const channels = await channelsRecording(connection, this.match(context));
      const outOfDate: string[] = [];
      let firstError: unknown = null;
      for (const channel of channels) {
        try {
          await putProxyChannelPassword(connection.client, channel.id, credential.password);
        } catch (err) {
          firstError ??= err;
          outOfDate.push(channelName(channel.id));
        }
      }
      if (firstError === null) return { status: 'updated', outOfDate };
      return this.failed(firstError, outOfDate);
    });
  }

  async confirm(context: ConsumerUpdateContext): Promise<ConsumerUpdateResult> {
    return this.withRecorder(async (connection) => {
      const ids = (await channelsRecording(connection, this.match(context))).map((c) => c.id);
      const online = await waitOnline(
        {
          pollMs: this.options.pollMs ?? 1_000,
          onlineTimeoutMs: this.options.onlineTimeoutMs,
          sleep: this.options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
          clock: this.options.clock ?? Date.now,
        },
        connection,
        ids,
      );
      return { status: 'updated', outOfDate: ids.filter((id) => !online.has(id)).map(channelName) };
    });
  }

  private match(context: ConsumerUpdateContext) {
    return { host: context.device.host, channelPort: this.options.channelPort };
  }

  /** Opens the recorder with its own vault credential and checks it is the enrolled serial. */
  private async withRecorder(
    work: (connection: DeviceConnection) => Promise<ConsumerUpdateResult>,
  ): Promise<ConsumerUpdateResult> {
    const record = this.options.vault.get(this.options.recorder.serial);
    if (!record) return this.failed(new VaultRecordMissingError(this.options.recorder.serial), []);
    let connection: DeviceConnection | null = null;
    try {
      connection = new DeviceConnection(
        this.options.vault,
        record,
        this.options.recorder.address,
        this.options,
      );
      await connection.identify();
      return await work(connection);
    } catch (err) {
      return this.failed(err, []);
    } finally {
      await connection?.close();
    }
  }

  /** A device answer (refusal, wrong serial, ISAPI status) is a refusal; anything else unreachable. */
  private failed(err: unknown, outOfDate: string[]): ConsumerUpdateResult {
    const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    const said = REFUSALS.has(code);
    const message = `the recorder ${this.options.recorder.serial} did not take the password (${code})`;
    return said
      ? { status: 'refused', error: new ConsumerRefusedError(this.id, message, { cause: err }), outOfDate }
      : {
          status: 'unreachable',
          error: new ConsumerUnreachableError(this.id, message, { cause: err }),
          outOfDate,
        };
  }
}

/** Codes that mean the recorder answered and said no (so waiting alone will not help). */
const REFUSALS = new Set([
  'HIK_ERR_AUTH_FAILED',
  'HIK_ERR_SERIAL_MISMATCH',
  'HIK_ERR_VAULT_RECORD_MISSING',
  'HIK_ERR_NOT_SUPPORTED',
  'HIK_ERR_NOT_ACTIVATED',
  'HIK_ERR_CERT_CHANGED',
  'HIK_ERR_PROTOCOL',
  'HIK_ERR_ISAPI',
]);
