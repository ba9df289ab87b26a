/**
 * Makes one simulated device answer SADP as real ones do (docs/protocol/sadp.md §1, §7.3): an inquiry on the
 * group or to its own address gets a ProbeMatch unicast to the sender's address and port (or to
 * the group, with the `multicastReplies` quirk); on start and every boot (reboot, factory reset)
 * it multicasts a Hello. It answers only while the device is up.
 *
 * Binds only to 127.0.0.0/8 or to the test hosts' 198.51.100.0/24 inside namespaces a test made,
 * and always names the interface for multicast.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '../../lib/errors';
import { SADP_GROUP, SADP_PORT } from '../../lib/sadp/sadp-probe';
import { isLoopbackAddress } from '../loopback-address';
import type { SimDevice } from '../sim-device';
import { parseSimXml, SimXmlError } from '../sim-xml';
import { probeMatchXml } from './probe-match-xml';
import { resolveSadpQuirks, type ResolvedSadpQuirks, type SadpQuirks } from './sadp-quirks';

export interface SadpResponderOptions {
  /** The device's address: replies come from it and the ProbeMatch reports it. */
  address: string;
  /** Interface for group membership and Hello. Default: 127.0.0.1 for loopback, else `address`. */
  interfaceAddress?: string;
  netmask?: string;
  gateway?: string;
  /** 37020; tests may differ. */
  port?: number;
  quirks?: SadpQuirks;
  /** Send a Hello as soon as it starts (a device powering up). Default true. */
  announceOnStart?: boolean;
}

export interface SadpResponderCounters {
  inquiries: number;
  replies: number;
  hellos: number;
  /** Datagrams on 37020 that were not an inquiry (other devices' Hellos, junk). */
  ignored: number;
}

const TEST_HOSTS = /^198\.51\.100\.(\d{1,3})$/;

export class SadpResponder {
  readonly counters: SadpResponderCounters = { inquiries: 0, replies: 0, hellos: 0, ignored: 0 };
  readonly quirks: ResolvedSadpQuirks;
  private readonly interfaceAddress: string;
  private readonly port: number;
  private unicast: Socket | null = null;
  private group: Socket | null = null;
  private readonly pending = new Set<NodeJS.Timeout>();
  private offBoot: (() => void) | null = null;

  constructor(
    readonly device: SimDevice,
    private readonly options: SadpResponderOptions,
  ) {
    if (!isSimAddress(options.address))
      throw new InvalidArgumentError(
        `SADP responder address ${options.address} is outside 127.0.0.0/8 and 198.51.100.0/24`,
      );
    this.interfaceAddress =
      options.interfaceAddress ?? (isLoopbackAddress(options.address) ? '127.0.0.1' : options.address);
    if (!isSimAddress(this.interfaceAddress))
      throw new InvalidArgumentError(
        `SADP interface ${this.interfaceAddress} is outside the simulator's ranges`,
      );
    this.port = options.port ?? SADP_PORT;
    this.quirks = resolveSadpQuirks(options.quirks);
  }

  async start(): Promise<void> {
    const unicast = createSocket({ type: 'udp4', reuseAddr: true });
    const group = createSocket({ type: 'udp4', reuseAddr: true });
    this.unicast = unicast;
    this.group = group;
    for (const socket of [unicast, group]) {
      socket.on('message', (bytes, source) => this.receive(bytes, source));
      socket.on('error', (err) => this.device.reportInternalError(err));
    }
    await bind(unicast, this.options.address, this.port);
    unicast.setMulticastInterface(this.interfaceAddress);
    await bind(group, SADP_GROUP, this.port);
    group.addMembership(SADP_GROUP, this.interfaceAddress);
    this.offBoot = this.device.onBoot(() => this.announceInBackground());
    if (this.options.announceOnStart ?? true) this.announceInBackground();
  }

  /** Multicasts a Hello to the group (what a device does at power-up). */
  announce(): Promise<void> {
    this.counters.hellos += 1;
    return this.send(Buffer.from(this.xml('hello', null)), this.port, SADP_GROUP);
  }

  async stop(): Promise<void> {
    this.offBoot?.();
    this.offBoot = null;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    const sockets = [this.unicast, this.group].filter((s): s is Socket => s !== null);
    this.unicast = null;
    this.group = null;
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private announceInBackground(): void {
    this.announce().catch((err: unknown) => this.device.reportInternalError(err));
  }

  private receive(bytes: Buffer, source: RemoteInfo): void {
    const uuid = inquiryUuid(bytes);
    if (uuid === null || !this.device.isUp) {
      this.counters.ignored += 1;
      return;
    }
    this.counters.inquiries += 1;
    const reply = Buffer.from(this.xml('probeMatch', uuid));
    const [port, address] = this.quirks.multicastReplies
      ? [this.port, SADP_GROUP]
      : [source.port, source.address];
    const [low, high] = this.quirks.replyDelayMs;
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        this.counters.replies += 1;
        this.send(reply, port, address).catch((err: unknown) => this.device.reportInternalError(err));
      },
      low === high ? low : randomInt(low, high + 1),
    );
    this.pending.add(timer);
  }

  private xml(kind: 'probeMatch' | 'hello', uuid: string | null): string {
    const inactiveAddress = this.device.state.activated ? null : this.quirks.factoryAddress;
    return probeMatchXml(
      this.device,
      kind,
      uuid,
      {
        address: inactiveAddress ?? this.options.address,
        netmask:
          this.options.netmask ?? (isLoopbackAddress(this.options.address) ? '255.0.0.0' : '255.255.255.0'),
        gateway: this.options.gateway ?? '0.0.0.0',
      },
      this.quirks,
    );
  }

  private send(bytes: Buffer, port: number, address: string): Promise<void> {
    const socket = this.unicast;
    if (!socket) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      socket.send(bytes, port, address, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** The Uuid of an inquiry (`<Probe>` with `Types` inquiry…), or null for anything else. */
function inquiryUuid(bytes: Buffer): string | null {
  try {
    const root = parseSimXml(bytes, { maxBytes: 16 * 1024 });
    // Like the ITSC responder: a Probe with a Uuid is enough; Types defaults to inquiry.
    if (root.name !== 'Probe') return null;
    const types = (root.textAt('Types') ?? 'inquiry').toLowerCase();
    if (!types.startsWith('inquiry')) return null;
    return root.textAt('Uuid');
  } catch (err: unknown) {
    // Junk on the SADP port is ignored, as a device does; only a parser bug should surface.
    if (err instanceof SimXmlError) return null;
    throw err;
  }
}

function isSimAddress(address: string): boolean {
  const test = TEST_HOSTS.exec(address);
  return isLoopbackAddress(address) || (test !== null && Number(test[1]) >= 1 && Number(test[1]) <= 254);
}

function bind(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: false }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
