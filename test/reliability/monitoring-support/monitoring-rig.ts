/**
 * One fault-matrix cell's world for reset monitoring and Home Assistant publishing: two simulated
 * cameras (SADP on loopback), the Home Assistant test server behind a fault proxy, a real HaLink,
 * optionally a vault on a disk that can fill up, and the ResetWatch under test (or nothing, when
 * the cell runs the watch in a child process). One clock for devices, guard, monitor and vault,
 * so a cell can jump past a 30-minute lock without waiting.
 *
 * It records what the cell is judged on: the alerts and entity states HA received, every change
 * the watch reported, every error it reported, and any unhandled rejection in the meantime.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityIdForSerial } from '../../../lib/homeassistant/device-entity';
import { HIK_GUARD_EVENT } from '../../../lib/homeassistant/hik-guard-alerts';
import { HaLink } from '../../../lib/homeassistant/ha-link';
import { activateDevice } from '../../../lib/isapi/endpoints/activation';
import { IsapiClient } from '../../../lib/isapi/isapi-client';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { DeviceChange } from '../../../lib/monitor/activation-monitor';
import { FleetWatch } from '../../../lib/fleet/fleet-watch';
import { sharedSadpSockets } from '../../../lib/runtime';
import { CredentialVault, VaultSecret } from '../../../lib/vault/credential-vault';
import { SimFleet, type SimDevice } from '../../../sim';
import { HaTestServer } from '../../support/ha-test-server';
import { LOOPBACK } from '../../support/sadp-test-network';
import { ADMIN_TOKEN, describeForTest, waitFor, within } from '../../lib/homeassistant/support';
import { FailingDisk } from '../../support/failing-disk';
import { enrolSimDevice } from '../../support/sim-devices';
import type { SeededRandom } from '../../support/seeded-random';
import { FaultProxy } from './fault-proxy';

export const ADMIN_PASSWORD = 'Matrix-Admin-31!';
export const STRANGER_PASSWORD = 'Str4nger-Took-It';
export const VAULT_KEY = 'monitoring-matrix-vault-key';
const SECRET = new VaultSecret(VAULT_KEY);

export interface RigOptions {
  /** Both cameras enrolled in a vault whose disk can be made to fail. */
  vault?: boolean;
  /** Run the ResetWatch here (default) or leave it to a child process. */
  watch?: 'here' | 'none';
}

export interface ReceivedAlert {
  serial: string;
  type: string;
  /** `alert_id` of the event: copies of one alert share it. */
  alertId: string;
}

/** The device counters that say whether anyone logged in (or tried to). */
export interface LoginCounts {
  failedLogins: number;
  authenticatedRequests: number;
  lockRejections: number;
  locksTriggered: number;
}

export class MonitoringRig {
  /** Added to the real time by every clock in the rig. */
  skewMs = 0;
  readonly clock = (): number => Date.now() + this.skewMs;
  readonly changes: DeviceChange[] = [];
  readonly errors: Error[] = [];
  readonly unhandled: unknown[] = [];
  readonly disk = new FailingDisk();
  guard = new LoginGuard({ clock: this.clock });
  fleet!: SimFleet;
  ha!: HaTestServer;
  proxy!: FaultProxy;
  link: HaLink | null = null;
  vault: CredentialVault | null = null;
  watch: FleetWatch | null = null;
  /** The rig's own folder (vault, alert memory). */
  dir = '';
  /** Stops what open() started, in reverse order (also after a failed open). */
  private readonly closers: (() => Promise<void>)[] = [];
  private readonly onUnhandled = (reason: unknown): void => void this.unhandled.push(reason);

  private constructor(
    readonly serials: readonly [string, string],
    private readonly random: SeededRandom,
  ) {}

  /** `random` also names the devices, so two cells never share a serial. */
  static async start(random: SeededRandom, options: RigOptions = {}): Promise<MonitoringRig> {
    const id = (): string => String(random.int(0, 99_999_999)).padStart(8, '0');
    const rig = new MonitoringRig(
      [`DS-2CD2386G2-IU2024MX${id()}AAWRJ`, `DS-2CD2143G2-I2024MX${id()}AAWRJ`],
      random,
    );
    process.on('unhandledRejection', rig.onUnhandled);
    try {
      await rig.open(options);
    } catch (err) {
      await rig.stop();
      throw err;
    }
    return rig;
  }

  /** The faulted camera and the bystander. */
  get camera(): SimDevice {
    return this.fleet.devices[0] as SimDevice;
  }

  get bystander(): SimDevice {
    return this.fleet.devices[1] as SimDevice;
  }

  get vaultFile(): string {
    return join(this.dir, 'vault.json');
  }

  private async open(options: RigOptions): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'hik-monitor-matrix-'));
    this.fleet = await SimFleet.start({
      devices: this.serials.map((serialNumber, i) => ({
        adminPassword: ADMIN_PASSWORD,
        serialNumber,
        macAddress: `44:19:b6:7a:00:0${i + 1}`,
        rebootMs: 20,
      })),
      port: 0,
      sadp: { announceOnStart: false },
      clock: this.clock,
    });
    this.closers.push(() => this.fleet.stop());
    this.ha = await HaTestServer.start({ tokens: { [ADMIN_TOKEN]: { isAdmin: true } }, startingMs: 20 });
    this.closers.push(() => this.ha.stop());
    this.proxy = await FaultProxy.start(Number(new URL(this.ha.url).port));
    this.closers.push(() => this.proxy.stop());
    if (options.vault) {
      const vault = await CredentialVault.open(this.vaultFile, SECRET, {
        fileSystem: this.disk,
        clock: this.clock,
      });
      this.vault = vault;
      this.closers.push(() => vault.close());
      for (const device of this.fleet.devices) await enrolSimDevice(vault, device, ADMIN_PASSWORD);
    }
    if (options.watch === 'none') return;
    this.link = new HaLink({
      url: this.proxy.url,
      token: ADMIN_TOKEN,
      describe: describeForTest,
      handshakeTimeoutMs: 1_000,
      requestTimeoutMs: 400,
      backoff: { initialMs: 20, maxMs: 200, random: () => this.random.next() },
    });
    const link = this.link;
    this.closers.push(() => link.stop(1_000));
    link.start();
    this.watch = new FleetWatch({
      pollIntervalMs: 0,
      offlineAfterFailures: 2,
      sadp: { interfaces: [LOOPBACK], sockets: sharedSadpSockets(), passive: true, scanIntervalMs: 0 },
      vault: this.vault,
      alerts: link.alerts,
      guard: this.guard,
      clock: this.clock,
      onChange: (change) => this.changes.push(change),
      onError: (err) => this.errors.push(err),
    });
    const watch = this.watch;
    this.closers.push(() => watch.stop());
    for (const device of this.fleet.devices) {
      this.watch.watch(device.serialNumber, {
        name: `camera ${device.serialNumber.slice(-13, -5)}`,
        poll: { host: device.host ?? '', port: device.port ?? 0, protocol: 'http' },
      });
    }
    await this.watch.start();
    await this.watch.pollNow();
    // SADP tells each device's boot time: a later reboot is then recognisable.
    await this.watch.scanNow();
    await this.delivered();
    for (const serial of this.serials) {
      if (this.entityState(serial) !== 'active') throw new Error(`rig: ${serial} did not start active`);
    }
  }

  /** Forgets the start-up: changes, counters and errors from here on belong to the cell. */
  baseline(): void {
    this.changes.length = 0;
    this.errors.length = 0;
    for (const device of this.fleet.devices) device.resetCounters();
  }

  /** The monitor's state for one serial. */
  state(serial: string): string | undefined {
    return this.watch?.monitor.get(serial)?.state;
  }

  /** Changes the watch reported for the rig's own devices (SADP may show it others' too). */
  changesOf(serial: string): DeviceChange[] {
    return this.changes.filter((c) => c.serial === serial);
  }

  /** The `hik_guard_event`s HA received for this rig's devices, in order. */
  alertsAtHa(): ReceivedAlert[] {
    return this.ha.core.firedEvents
      .filter((e) => e.event_type === HIK_GUARD_EVENT && this.serials.includes(String(e.data.serial)))
      .map((e) => ({
        serial: String(e.data.serial),
        type: String(e.data.type),
        alertId: String(e.data.alert_id),
      }));
  }

  /** The state of the device's entity in HA now (undefined: HA does not have it). */
  entityState(serial: string): string | undefined {
    return this.ha.core.states.get(entityIdForSerial(serial))?.state;
  }

  /** Every `GET /SDK/activateStatus` a device answered or dropped since the baseline. */
  polls(device: SimDevice): number {
    return device.counters.requestsByPath.get('GET /SDK/activateStatus') ?? 0;
  }

  logins(device: SimDevice): LoginCounts {
    const { failedLogins, authenticatedRequests, lockRejections, locksTriggered } = device.counters;
    return { failedLogins, authenticatedRequests, lockRejections, locksTriggered };
  }

  /** Waits for the watch's own work (vault writes, re-claims) and for HA to have everything. */
  async delivered(timeoutMs = 8_000): Promise<void> {
    await within('the watch to settle', this.watch?.settled() ?? Promise.resolve(), timeoutMs);
    if (this.link) {
      const link = this.link;
      await waitFor('the HA link to connect', () => link.status.kind === 'connected', timeoutMs);
      await within('HA to receive everything', link.alerts.settled(), timeoutMs);
    }
  }

  /** A program of someone else's (its own guard) activates the camera with its own password. */
  async strangerActivates(): Promise<void> {
    const stranger = new IsapiClient({
      host: this.camera.host ?? '',
      port: this.camera.port ?? 0,
      protocol: 'http',
      guard: new LoginGuard(),
    });
    try {
      await activateDevice(stranger, STRANGER_PASSWORD);
    } finally {
      await stranger.close();
    }
  }

  async stop(): Promise<void> {
    try {
      for (const close of this.closers.splice(0).reverse()) await close();
    } finally {
      process.off('unhandledRejection', this.onUnhandled);
      if (this.dir) await rm(this.dir, { recursive: true, force: true });
    }
  }
}
