/**
 * A set of simulated devices, each on its own loopback address (127.0.0.11, .12, … by default),
 * started together and stopped together: `stop()` closes every listener and destroys every socket.
 */
import { InvalidArgumentError } from '../lib/errors';
import { demoFleet, type SimFleetMember } from './demo-fleet';
import { loopbackAddressAt } from './loopback-address';
import { SadpResponder } from './sadp/sadp-responder';
import { SimDevice } from './sim-device';

export interface SimFleetOptions {
  /** Default: `demoFleet()` (3 cameras + 1 NVR). */
  devices?: SimFleetMember[];
  /** First address; member i gets base + i unless it names its own host. Default 127.0.0.11. */
  baseAddress?: string;
  /** Default 80 (443 with https) when running as root, else 8080 (8443); 0 = ephemeral. */
  port?: number;
  /**
   * RTSP port of every device (on its own address): default 554 as root, else 8554, and ephemeral
   * when `port` is 0; 0 = ephemeral. A member's own `rtspPort` wins.
   */
  rtspPort?: number;
  /** Serve HTTPS (test certificates) instead of HTTP, unless a member says otherwise. */
  https?: boolean;
  /** Clock for every member that has none of its own. */
  clock?: () => number;
  /** Answer SADP too (each member with its `sadp` quirks); `port` only differs in tests. */
  sadp?: boolean | { port?: number; announceOnStart?: boolean };
}

export const DEFAULT_BASE_ADDRESS = '127.0.0.11';

export class SimFleet {
  /** One per device when the fleet was started with `sadp`, in device order. */
  readonly sadpResponders: SadpResponder[] = [];

  private constructor(readonly devices: readonly SimDevice[]) {}

  static async start(options: SimFleetOptions = {}): Promise<SimFleet> {
    const members = options.devices ?? demoFleet();
    const base = options.baseAddress ?? DEFAULT_BASE_ADDRESS;
    const entries = members.map((member, i) => ({
      i,
      member,
      device: new SimDevice({
        ...member,
        clock: member.clock ?? options.clock,
      }),
    }));
    const fleet = new SimFleet(entries.map((entry) => entry.device));
    try {
      // Cameras first: an NVR's channels need their final addresses and ports.
      const order = entries.toSorted((a, b) => Number(!!a.member.channelsTo) - Number(!!b.member.channelsTo));
      for (const { i, member, device } of order) {
        const host = member.host ?? loopbackAddressAt(base, i);
        if (host === null) throw new InvalidArgumentError(`baseAddress + ${i} leaves 127.0.0.0/8`);
        const https = member.https ?? options.https ?? false;
        const port = member.port ?? options.port ?? defaultPort(https);
        const rtspPort = member.rtspPort ?? options.rtspPort ?? (port === 0 ? 0 : defaultRtspPort());
        await device.listen({ host, port, https, rtspPort });
        for (const target of member.channelsTo ?? []) fleet.linkChannel(device, target, members);
      }
      if (options.sadp) await fleet.startSadp(entries, options.sadp === true ? {} : options.sadp);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  bySerial(serialNumber: string): SimDevice | undefined {
    return this.devices.find((d) => d.serialNumber === serialNumber);
  }

  /** Closes every device; resolves once all listeners are closed. */
  async stop(): Promise<void> {
    await Promise.all(this.sadpResponders.splice(0).map((r) => r.stop()));
    await Promise.all(this.devices.map((d) => d.close()));
  }

  private async startSadp(
    entries: readonly { member: SimFleetMember; device: SimDevice }[],
    options: { port?: number; announceOnStart?: boolean },
  ): Promise<void> {
    for (const { member, device } of entries) {
      const responder = new SadpResponder(device, {
        address: device.host ?? '127.0.0.1',
        quirks: member.sadp,
        port: options.port,
        announceOnStart: options.announceOnStart,
      });
      this.sadpResponders.push(responder);
      await responder.start();
    }
  }

  private linkChannel(nvr: SimDevice, index: number, members: readonly SimFleetMember[]): void {
    const camera = this.devices.at(index);
    const password = members[index]?.adminPassword;
    if (!camera || camera === nvr || camera.host === null || camera.port === null || password == null) {
      throw new InvalidArgumentError(`channelsTo: member ${index} is not a started, activated camera`);
    }
    nvr.addChannel({
      ipAddress: camera.host,
      managePortNo: camera.port,
      https: camera.https,
      userName: 'admin',
      password,
      model: camera.profile.identity.model,
    });
  }
}

function defaultRtspPort(): number {
  return process.getuid?.() === 0 ? 554 : 8554;
}

function defaultPort(https: boolean): number {
  const root = process.getuid?.() === 0;
  if (https) return root ? 443 : 8443;
  return root ? 80 : 8080;
}
