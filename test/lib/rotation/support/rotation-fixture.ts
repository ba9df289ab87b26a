/**
 * A real vault in a temp folder plus simulated devices (through SimHarness, so every test ends
 * with the "no lock caused or restarted" check). Devices are enrolled with their real password.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RecorderChannelConsumer,
  type RecorderChannelConsumerOptions,
} from '../../../../lib/consumers/recorder-channel-consumer';
import type { RotateOptions } from '../../../../lib/rotation/rotate-device';
import { CredentialVault } from '../../../../lib/vault/credential-vault';
import type { SimDevice, SimDeviceOptions } from '../../../../sim';
import { ADMIN_PASSWORD, enrolSimDevice, SimHarness } from '../../../support/sim-devices';

export const VAULT_SECRET = 'rotation-tests-vault-secret';

export class RotationFixture {
  readonly sim = new SimHarness();
  private dir: string | null = null;
  private opened: CredentialVault | null = null;

  get vault(): CredentialVault {
    if (!this.opened) throw new Error('call open() first');
    return this.opened;
  }

  get vaultFile(): string {
    if (!this.dir) throw new Error('call open() first');
    return join(this.dir, 'vault.json');
  }

  async open(): Promise<CredentialVault> {
    this.dir = await mkdtemp(join(tmpdir(), 'hik-rotation-'));
    this.opened = await CredentialVault.open(this.vaultFile, VAULT_SECRET);
    return this.opened;
  }

  /** Closes and reopens the vault file, as a new process would see it. */
  async reopen(): Promise<CredentialVault> {
    await this.opened?.close();
    this.opened = await CredentialVault.open(this.vaultFile, VAULT_SECRET);
    return this.opened;
  }

  /** A started device, enrolled in the vault with its real admin password. */
  async enrolledDevice(
    options: Partial<SimDeviceOptions> = {},
    { https = false, host = '127.0.0.1' } = {},
  ): Promise<SimDevice> {
    const device = await this.sim.device({ rebootMs: 50, ...options }, https, host);
    await enrolSimDevice(this.vault, device, options.adminPassword ?? ADMIN_PASSWORD);
    return device;
  }

  /** Options for rotateDevice/reconcileDevice against `device`, with this test's guard. */
  options(device: SimDevice, extra: Partial<RotateOptions> = {}): RotateOptions {
    return {
      vault: this.vault,
      serial: device.serialNumber,
      guard: this.sim.guard,
      allowHttpPasswordChange: true,
      settleMs: 5,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      ...extra,
    };
  }

  /** The NVR `recorder` as a consumer of the rotated camera's password, with fast polls. */
  recorderConsumer(
    recorder: SimDevice,
    extra: Partial<RecorderChannelConsumerOptions> = {},
  ): RecorderChannelConsumer {
    return new RecorderChannelConsumer({
      vault: this.vault,
      recorder: { serial: recorder.serialNumber },
      guard: this.sim.guard,
      pollMs: 20,
      onlineTimeoutMs: 2_000,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      ...extra,
    });
  }

  async stop(): Promise<void> {
    try {
      await this.opened?.close();
      if (this.dir) await rm(this.dir, { recursive: true, force: true });
    } finally {
      this.opened = null;
      this.dir = null;
      await this.sim.stop();
    }
  }
}
