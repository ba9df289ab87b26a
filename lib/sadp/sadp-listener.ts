/**
 * Passive SADP: the group port (37020) joined on the chosen interfaces, turning unsolicited
 * `Hello` announcements (a device booting, e.g. after a factory reset) and multicast `ProbeMatch`
 * replies into sightings the moment they arrive — no polling. Other clients' inquiries and
 * command replies are ignored; unreadable datagrams are counted, never thrown.
 */
import type { RemoteInfo } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { SadpSocketError } from '../errors';
import type { SadpDevice, SadpMessageKind } from './sadp-device';
import { readSadpDatagram, SADP_DROP_REASONS, type SadpDropReason } from './sadp-datagram';
import { locateBySource, type SadpInterface } from './sadp-interfaces';
import { SADP_PORT } from './sadp-probe';
import type { SadpSocketLease, SadpSocketSet } from './sadp-socket-set';

export interface SadpSighting {
  kind: SadpMessageKind;
  device: SadpDevice;
  /** `performance.now()` when the datagram was handed to us (for latency figures). */
  receivedAt: number;
}

export interface SadpListenerOptions {
  interfaces: readonly SadpInterface[];
  sockets: SadpSocketSet;
  onSighting: (sighting: SadpSighting) => void;
  /** Socket failures after start (the listener keeps its lease; the caller decides). */
  onError?: (err: SadpSocketError) => void;
  /** 37020; tests may differ. */
  port?: number;
}

export interface SadpListenerStats {
  datagrams: number;
  /** Inquiries from other clients and command replies: seen, not sightings. */
  ignored: number;
  dropped: Record<SadpDropReason, number>;
}

export class SadpPassiveListener {
  readonly stats: SadpListenerStats = {
    datagrams: 0,
    ignored: 0,
    dropped: Object.fromEntries(SADP_DROP_REASONS.map((r) => [r, 0])) as Record<SadpDropReason, number>,
  };
  private lease: SadpSocketLease | null = null;
  private starting: Promise<void> | null = null;

  constructor(private readonly options: SadpListenerOptions) {}

  get listening(): boolean {
    return this.lease !== null;
  }

  /** Binds (or shares) the group socket and joins the group on every interface. */
  start(): Promise<void> {
    this.starting ??= this.open().catch((err: unknown) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    this.starting = null;
    const lease = this.lease;
    this.lease = null;
    await lease?.release();
  }

  private async open(): Promise<void> {
    const { interfaces, sockets, port = SADP_PORT } = this.options;
    const lease = await sockets.leaseGroupSocket(interfaces, port);
    lease.onDatagram((bytes, source) => this.receive(bytes, source));
    if (this.options.onError) lease.onError(this.options.onError);
    this.lease = lease;
  }

  private receive(bytes: Buffer, source: RemoteInfo): void {
    const receivedAt = performance.now();
    this.stats.datagrams += 1;
    const datagram = readSadpDatagram(bytes, source);
    if (datagram.kind === 'dropped') {
      this.stats.dropped[datagram.reason] += 1;
      return;
    }
    if (datagram.kind === 'other') {
      this.stats.ignored += 1;
      return;
    }
    // The socket cannot say which interface a datagram came in on; the source's subnet tells,
    // and a source on none of them (a reset camera on 192.168.1.64) is off-subnet by definition.
    const device = locateBySource(datagram.device, this.options.interfaces);
    this.options.onSighting({ kind: datagram.kind, device, receivedAt });
  }
}
