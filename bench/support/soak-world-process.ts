/**
 * The soak bench's world, in its own process so the product process's memory and CPU figures are
 * its own: the simulated fleet (cameras, NVRs recording some of them, SADP on loopback) and the
 * Home Assistant test server. Driven over the IPC channel (soak-world-protocol.ts); exits when
 * told to stop or when the channel closes. Loopback only.
 */
import type { HaTestServer as HaTestServerType } from '../../test/support/ha-test-server';
import { HaTestServer } from '../../test/support/ha-test-server';
import { demoFleet, SimFleet, type SimDevice, type SimFleetMember } from '../../sim';
import type {
  DeviceSnapshot,
  WorldDevice,
  WorldLayout,
  WorldMessage,
  WorldReply,
  WorldRequest,
  WorldSnapshot,
  WorldStarted,
} from './soak-world-protocol';

const BASE_ADDRESS = '127.0.1.1';
/** The HA server's logs are trimmed this often; its counters live here instead. */
const TRIM_MS = 10_000;

class SoakWorld {
  private fleet: SimFleet | null = null;
  private ha: HaTestServerType | null = null;
  private readonly haEvents: Record<string, number> = {};
  private haRestarts = 0;
  private trimTimer: NodeJS.Timeout | null = null;
  private readonly background = new Set<Promise<unknown>>();

  async handle(request: WorldRequest): Promise<unknown> {
    switch (request.cmd) {
      case 'start':
        return this.start(request.layout);
      case 'fault':
        this.device(request.serial).faults.inject(request.fault);
        return null;
      case 'reboot':
        this.track(this.device(request.serial).reboot());
        return null;
      case 'reset': {
        const device = this.device(request.serial);
        if (!device.isUp || !device.state.activated) return false;
        this.track(device.factoryReset());
        return true;
      }
      case 'haRestart':
        this.haRestarts += 1;
        await this.server().restart(request.downMs);
        return null;
      case 'quiet':
        for (const device of this.devices()) device.faults.clear();
        await Promise.allSettled([...this.background]);
        await Promise.all(this.devices().map((d) => d.whenUp()));
        return null;
      case 'snapshot':
        return this.snapshot();
      case 'stop':
        await this.stop();
        return null;
    }
  }

  async stop(): Promise<void> {
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.trimTimer = null;
    await this.fleet?.stop();
    await this.ha?.stop();
    this.fleet = null;
    this.ha = null;
  }

  private async start(layout: WorldLayout): Promise<WorldStarted> {
    const members = fleetMembers(layout);
    this.ha = await HaTestServer.start({ tokens: { [layout.haToken]: { isAdmin: true } } });
    this.ha.core.onEvent((event) => {
      if (event.event_type !== 'hik_guard_event') return;
      const type = String(event.data.type);
      this.haEvents[type] = (this.haEvents[type] ?? 0) + 1;
    });
    this.trimTimer = setInterval(() => this.trimHaLogs(), TRIM_MS);
    this.fleet = await SimFleet.start({
      devices: members,
      baseAddress: BASE_ADDRESS,
      port: 0,
      sadp: { port: layout.sadpPort, announceOnStart: false },
    });
    const devices: WorldDevice[] = this.fleet.devices.map((device, i) => ({
      serial: device.serialNumber,
      kind: members[i]?.deviceType === 'NVR' ? 'nvr' : 'camera',
      host: device.host ?? '',
      port: device.port ?? 0,
      protocol: device.https ? 'https' : 'http',
      recorder: recorderOf(i, layout, members),
    }));
    return { devices, haUrl: this.ha.url };
  }

  private snapshot(): WorldSnapshot {
    const devices: DeviceSnapshot[] = this.devices().map((d) => ({
      serial: d.serialNumber,
      activated: d.state.activated,
      isUp: d.isUp,
      password: d.state.users[0].password,
      failedLoginsByIp: [...d.counters.failedLoginsByIp],
      locksTriggered: d.counters.locksTriggered,
      lockRejections: d.counters.lockRejections,
      factoryResets: d.counters.factoryResets,
      reboots: d.counters.reboots,
      passwordChanges: d.counters.passwordChanges,
      activations: d.counters.activations,
      requests: d.counters.requests,
      channels: d.state.channels.map((c) => ({ ipAddress: c.ipAddress, password: c.password })),
    }));
    return {
      devices,
      haEvents: { ...this.haEvents },
      haConnections: this.ha?.counters.connections ?? 0,
      haRestarts: this.haRestarts,
      rssMb: process.memoryUsage().rss / 1024 / 1024,
    };
  }

  /** The test server keeps every request and event for assertions; an hour of them is not needed. */
  private trimHaLogs(): void {
    const ha = this.ha;
    if (!ha) return;
    ha.restLog.splice(0);
    ha.presentedTokens.splice(0);
    ha.core.firedEvents.splice(0);
    ha.core.serviceCalls.splice(0);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => {
      process.stderr.write(`soak world: ${err instanceof Error ? err.message : String(err)}\n`);
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private devices(): readonly SimDevice[] {
    return this.fleet?.devices ?? [];
  }

  private device(serial: string): SimDevice {
    const device = this.fleet?.bySerial(serial);
    if (!device) throw new Error(`no simulated device ${serial}`);
    return device;
  }

  private server(): HaTestServerType {
    if (!this.ha) throw new Error('the world is not started');
    return this.ha;
  }
}

/** Cameras of the three simulated firmware generations, then the NVRs, each recording a block of cameras. */
function fleetMembers(layout: WorldLayout): SimFleetMember[] {
  const cameraCount = layout.devices - layout.nvrs;
  // demoFleet(n) gives n − 1 cameras and one NVR: the NVR is the template for ours.
  const demo = demoFleet(cameraCount + 1, layout.password);
  const nvrTemplate = demo.at(-1);
  if (!nvrTemplate) throw new Error('demoFleet returned no devices');
  const cameras = demo.slice(0, cameraCount).map((member, i) => ({
    ...member,
    macAddress: mac(i),
    https: layout.httpsEvery > 0 && i % layout.httpsEvery === 0,
  }));
  const nvrs = Array.from({ length: layout.nvrs }, (_, k) => ({
    ...nvrTemplate,
    serialNumber: `DS-7608NXI-I2/8P/S20230619CCRRJ${String(k + 1).padStart(8, '0')}`,
    macAddress: mac(cameraCount + k),
    https: false,
    channelsTo: Array.from({ length: layout.camerasPerNvr }, (_, j) => k * layout.camerasPerNvr + j),
  }));
  return [...cameras, ...nvrs];
}

function recorderOf(index: number, layout: WorldLayout, members: readonly SimFleetMember[]): string | null {
  const cameraCount = layout.devices - layout.nvrs;
  if (index >= cameraCount || layout.camerasPerNvr === 0) return null;
  const nvr = Math.floor(index / layout.camerasPerNvr);
  return nvr < layout.nvrs ? (members[cameraCount + nvr]?.serialNumber ?? null) : null;
}

function mac(index: number): string {
  const hex = (index + 1).toString(16).padStart(6, '0');
  return `44:19:b6:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

const world = new SoakWorld();

process.on('message', (message: WorldMessage) => {
  void world.handle(message.request).then(
    (result) => reply({ id: message.id, ok: true, result: result ?? null }),
    (err: unknown) =>
      reply({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

// The product process went away (crash, SIGKILL): do not outlive it.
process.on('disconnect', () => {
  void world.stop().finally(() => process.exit(0));
});

function reply(answer: WorldReply): void {
  if (process.connected) process.send?.(answer);
}
