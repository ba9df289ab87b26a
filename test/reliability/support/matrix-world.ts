/**
 * One cell's world: a real vault (on a disk that can be made full) and two simulated devices, the
 * target of the operation under a fault and a bystander, both enrolled. It can become "a new
 * process" (vault reopened from disk, fresh login guard and device locks, as after a SIGKILL),
 * run the follow-up the product would run once the fault is gone, and check the invariants.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { reclaimDevice } from '../../../lib/rotation/reclaim-device';
import { DeviceLocks } from '../../../lib/rotation/device-locks';
import { reconcileDevice } from '../../../lib/rotation/reconcile-device';
import { rotateDevice, type RotateOptions, type RotationOutcome } from '../../../lib/rotation/rotate-device';
import { RotationScheduler } from '../../../lib/rotation/rotation-scheduler';
import { CredentialVault, type VaultRecord } from '../../../lib/vault/credential-vault';
import type { SimDevice } from '../../../sim';
import { ADMIN_PASSWORD, enrolSimDevice, SimHarness } from '../../support/sim-devices';
import { FailingDisk } from '../../support/failing-disk';

export const VAULT_SECRET = 'reliability-matrix-vault-secret';
/** Short client bounds keep a cell well under a second when nothing answers. */
export const CLIENT_TIMEOUTS = { connectTimeoutMs: 400, requestTimeoutMs: 500 } as const;
/** Longer than any request timeout: a device this slow looks like a timeout to the client. */
export const BEYOND_TIMEOUT_MS = 700;
export const REBOOT_MS = 150;

/** Real time plus a jump the test makes to get past a lock, shared by the target and the guard. */
export class ShiftedClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;

  advance(ms: number): void {
    this.offset += ms;
  }
}

export class MatrixWorld {
  readonly sim = new SimHarness();
  readonly disk = new FailingDisk();
  readonly clock = new ShiftedClock();
  locks = new DeviceLocks();
  target!: SimDevice;
  bystander!: SimDevice;
  /** Failed logins on the target that a third party made (not ours to count). */
  outsiderFailures = 0;
  private dir = '';
  private opened: CredentialVault | null = null;

  get vault(): CredentialVault {
    if (!this.opened) throw new Error('the vault is closed (a child process holds it)');
    return this.opened;
  }

  get vaultFile(): string {
    return join(this.dir, 'vault.json');
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'hik-matrix-'));
    this.sim.guard = new LoginGuard({ clock: this.clock.now });
    this.opened = await CredentialVault.open(this.vaultFile, VAULT_SECRET, { fileSystem: this.disk });
    this.target = await this.enrol({ rebootMs: REBOOT_MS, clock: this.clock.now });
    this.bystander = await this.enrol({ rebootMs: REBOOT_MS });
  }

  private async enrol(options: Parameters<SimHarness['device']>[0]): Promise<SimDevice> {
    const device = await this.sim.device(options);
    await enrolSimDevice(this.vault, device, ADMIN_PASSWORD);
    return device;
  }

  /** Releases the vault file so a child process can open it. */
  async closeVault(): Promise<void> {
    await this.opened?.close();
    this.opened = null;
  }

  /** What a restarted process sees: the vault from disk, its own guard and locks. */
  async newProcess(): Promise<void> {
    await this.closeVault();
    this.opened = await CredentialVault.open(this.vaultFile, VAULT_SECRET, { fileSystem: this.disk });
    this.sim.guard = new LoginGuard({ clock: this.clock.now });
    this.locks = new DeviceLocks();
  }

  connection() {
    return { guard: this.sim.guard, locks: this.locks, ...CLIENT_TIMEOUTS };
  }

  rotateOptions(serial: string, extra: Partial<RotateOptions> = {}): RotateOptions {
    return {
      vault: this.vault,
      serial,
      ...this.connection(),
      allowHttpPasswordChange: true,
      settleMs: 5,
      ...extra,
    };
  }

  record(device: SimDevice = this.target): VaultRecord {
    const record = this.vault.get(device.serialNumber);
    assert.ok(record, `no vault record for ${device.serialNumber}`);
    return record;
  }

  /**
   * No password lost: what the device really has is the vault's current password or its pending
   * one (awaiting reconcile). A factory-reset device has none, so it holds nothing to lose.
   */
  assertNoPasswordLost(stage: string): void {
    const actual = this.target.state.admin.password;
    if (actual === null) return;
    const record = this.record();
    const where =
      actual === record.password ? 'current' : actual === record.pending?.password ? 'pending' : null;
    assert.ok(where, `${stage}: the device's password is not in the vault (neither current nor pending)`);
  }

  /** No lock caused and at most two failed logins of ours on the target in the whole cell. */
  assertNoLockCaused(): void {
    const ours = this.target.counters.failedLogins - this.outsiderFailures;
    assert.ok(ours <= 2, `${ours} failed logins of ours on the target (at most 2 per 30 min)`);
    assert.equal(this.target.counters.lockRejections, 0, 'an attempt was sent inside a lock window');
    assert.equal(this.bystander.counters.failedLogins, 0, 'the bystander saw a failed login');
  }

  /**
   * The fault is gone: the device is up, a reset device is re-claimed (as the reset watch would),
   * then the scheduler's next run reconciles what is pending and rotates both devices.
   */
  async followUp(): Promise<void> {
    this.target.faults.clear();
    this.disk.disarm();
    await this.target.whenUp();
    if (!this.target.state.activated) {
      const reclaimed = await reclaimDevice({
        vault: this.vault,
        serial: this.target.serialNumber,
        address: this.address(),
        sawInactive: true,
        ...this.connection(),
      });
      assert.equal(reclaimed.result, 'reclaimed', 'the reset target is re-claimed');
    }
    const outcomes = new Map<string, RotationOutcome>();
    const errors: unknown[] = [];
    const scheduler = new RotationScheduler({
      plan: { kind: 'interval', everyDays: 30 },
      // Both due now, whatever they did before: the next run must work on each.
      devices: () => this.vault.list().map((r) => ({ serial: r.serial, lastRotation: null })),
      reconcilePending: async () => {
        for (const serial of this.vault.pendingSerials()) {
          await reconcileDevice({ vault: this.vault, serial, ...this.connection() });
        }
      },
      rotate: async (serial) => void outcomes.set(serial, await rotateDevice(this.rotateOptions(serial))),
      onError: (err) => errors.push(err),
    });
    try {
      await scheduler.start();
    } finally {
      await scheduler.stop();
    }
    assert.deepEqual(errors, [], 'the scheduler run threw');
    for (const device of [this.target, this.bystander]) {
      const outcome = outcomes.get(device.serialNumber);
      assert.equal(
        outcome?.result,
        'rotated',
        `follow-up rotation of ${device.serialNumber}: ${outcome?.reason}`,
      );
      const record = this.record(device);
      assert.equal(record.pending, null);
      assert.equal(record.state, 'ok');
      assert.equal(device.state.admin.password, record.password, 'the vault holds the device password');
    }
  }

  address(): { host: string; port: number; protocol: 'http' } {
    return { host: this.target.host ?? '', port: this.target.port ?? 0, protocol: 'http' };
  }

  async stop(): Promise<void> {
    try {
      await this.opened?.close();
      if (this.dir) await rm(this.dir, { recursive: true, force: true });
    } finally {
      this.opened = null;
      await this.sim.stop();
    }
  }
}
