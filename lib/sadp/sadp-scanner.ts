/**
 * Active SADP discovery: the inquiry goes to the group on each chosen interface and to any
 * unicast or directed-broadcast targets, several times over the window (UDP loses packets);
 * replies are collected until the window closes and de-duplicated by serial (MAC as fallback).
 * A reply repeated within the scan is skipped unread, and one unchanged since the scanner's last
 * scan is not parsed again (lib/sadp/reply-memo.ts). Sockets come from the process-wide set and
 * are held until `close()`.
 */
import { lookup } from 'node:dns/promises';
import type { RemoteInfo } from 'node:dgram';
import { trace, tracing } from '../diagnostics';
import { InvalidArgumentError, SadpSocketError } from '../errors';
import { deviceKey, type SadpDevice } from './sadp-device';
import { SADP_DROP_REASONS, type SadpDropReason } from './sadp-datagram';
import {
  allIpv4Interfaces,
  interfaceFor,
  locate,
  locateBySource,
  type SadpInterface,
} from './sadp-interfaces';
import { buildProbe, SADP_GROUP, SADP_PORT } from './sadp-probe';
import type { SadpSocketLease, SadpSocketSet } from './sadp-socket-set';
import { RepeatFilter } from './repeat-filter';
import { ReplyMemo } from './reply-memo';

export interface SadpTarget {
  host: string;
  /** Default 37020. */
  port?: number;
}

export interface SadpScannerOptions {
  /** Local interfaces to probe from. Default: every non-internal IPv4 interface. */
  interfaces?: readonly SadpInterface[];
  /** Send the inquiry to the group on each interface. Default true. */
  multicast?: boolean;
  /** Unicast or directed-broadcast addresses probed as well (or only, with multicast off). */
  targets?: readonly SadpTarget[];
  /** How long replies are collected, ms. Default 1500. */
  windowMs?: number;
  /** Inquiries per destination, spread over the first half of the window. Default 3 (1–5). */
  sends?: number;
  /** Also listen on the group port, for firmware that multicasts its reply. Default true with multicast. */
  listenOnGroup?: boolean;
  /** Destination port of the group inquiry (37020; tests may differ). */
  port?: number;
  sockets: SadpSocketSet;
}

export interface SadpScanStats {
  probesSent: number;
  sendErrors: number;
  datagrams: number;
  /** The same reply again (answer to a repeated inquiry): not parsed twice. */
  repeats: number;
  /** Replies whose Uuid matched none of this scan's inquiries (kept, as the reference advises). */
  uuidMismatches: number;
  dropped: Record<SadpDropReason, number>;
  /** False when the group port could not be bound (another program holds it exclusively). */
  groupListening: boolean;
  unresolvedTargets: { host: string; reason: string }[];
}

export interface SadpScanResult {
  devices: SadpDevice[];
  stats: SadpScanStats;
}

interface Route {
  lease: SadpSocketLease;
  iface: SadpInterface | null;
}

export class SadpScanner {
  readonly interfaces: readonly SadpInterface[];
  private readonly multicast: boolean;
  private readonly targets: readonly SadpTarget[];
  private readonly windowMs: number;
  private readonly sends: number;
  private readonly listenOnGroup: boolean;
  private readonly port: number;
  private readonly sockets: SadpSocketSet;
  /** Last scan's readings, so an unchanged reply is not parsed again. */
  private readonly memo = new ReplyMemo();
  private routes: Map<string, Route> | null = null;
  private group: SadpSocketLease | null = null;
  private opening: Promise<void> | null = null;
  private running: Promise<SadpScanResult> | null = null;
  private abortRunning: (() => void) | null = null;
  private closed = false;

  constructor(options: SadpScannerOptions) {
    this.interfaces = options.interfaces ?? allIpv4Interfaces();
    this.multicast = options.multicast ?? true;
    this.targets = options.targets ?? [];
    this.windowMs = integerIn('windowMs', options.windowMs ?? 1500, 50, 60_000);
    this.sends = integerIn('sends', options.sends ?? 3, 1, 5);
    this.listenOnGroup = options.listenOnGroup ?? this.multicast;
    this.port = integerIn('port', options.port ?? SADP_PORT, 1, 65535);
    for (const t of this.targets) integerIn('target port', t.port ?? SADP_PORT, 1, 65535);
    this.sockets = options.sockets;
  }

  /**
   * One scan; a call while a scan runs joins it. `targets` asks only those of the configured
   * targets (the group too, when multicast); none and no multicast sends nothing at all.
   */
  scan(targets: readonly SadpTarget[] = this.targets): Promise<SadpScanResult> {
    if (this.closed) return Promise.reject(new InvalidArgumentError('scanner is closed'));
    if (targets.length === 0 && !this.multicast)
      return Promise.resolve({ devices: [], stats: emptyStats(false) });
    this.running ??= this.runScan(targets).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Ends a running scan early (it resolves with what it has) and releases the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    this.abortRunning?.();
    await this.running?.catch(() => undefined);
    await this.opening?.catch(() => undefined);
    const leases = [...(this.routes?.values() ?? [])].map((r) => r.lease);
    if (this.group) leases.push(this.group);
    this.routes = null;
    this.group = null;
    await Promise.all(leases.map((l) => l.release()));
  }

  private async runScan(targets: readonly SadpTarget[]): Promise<SadpScanResult> {
    this.opening ??= this.open();
    await this.opening;
    const routes = this.routes ?? new Map<string, Route>();
    const stats = emptyStats(this.group !== null);
    const destinations = await this.destinations(targets, routes, stats);
    const found = new Map<string, SadpDevice>();
    const uuids = new Set<string>();
    const repeats = new RepeatFilter();
    const targetAddresses = new Set(destinations.filter((d) => !d.group).map((d) => d.address));

    const receive = (via: SadpInterface | null, bytes: Buffer, source: RemoteInfo): void => {
      stats.datagrams += 1;
      if (repeats.seen(bytes, source)) {
        stats.repeats += 1;
        if (tracing())
          trace('sadp', 'datagram dropped', { reason: 'repeat', from: `${source.address}:${source.port}` });
        return;
      }
      const datagram = this.memo.read(bytes, source);
      if (datagram.kind === 'dropped') {
        stats.dropped[datagram.reason] += 1;
        return;
      }
      if (datagram.kind === 'other') return;
      const ours = datagram.uuid !== null && uuids.has(datagram.uuid.toUpperCase());
      // A targets-only scan reports only its targets, not what other scanners in-process hear.
      if (!ours && !this.multicast && !targetAddresses.has(source.address)) {
        if (tracing())
          trace('sadp', 'datagram dropped', {
            reason: 'notTarget',
            from: `${source.address}:${source.port}`,
          });
        return;
      }
      if (!ours) stats.uuidMismatches += 1;
      const key = deviceKey(datagram.device);
      if (key === null || found.has(key)) return;
      found.set(key, via ? locate(datagram.device, via) : locateBySource(datagram.device, this.interfaces));
    };

    const unsubscribe: (() => void)[] = [];
    for (const route of routes.values()) {
      unsubscribe.push(route.lease.onDatagram((b, s) => receive(route.iface, b, s)));
    }
    if (this.group) unsubscribe.push(this.group.onDatagram((b, s) => receive(null, b, s)));

    const timers: NodeJS.Timeout[] = [];
    const sendRound = (): void => {
      const probe = buildProbe();
      uuids.add(probe.uuid);
      for (const d of destinations) {
        stats.probesSent += 1;
        // Counted, not thrown: one unreachable destination must not end the scan.
        d.lease.send(probe.datagram, d.port, d.address).catch(() => (stats.sendErrors += 1));
      }
    };
    try {
      await new Promise<void>((resolve) => {
        this.abortRunning = resolve;
        const step = Math.floor(this.windowMs / (this.sends + 1));
        for (let i = 0; i < this.sends; i++) timers.push(setTimeout(sendRound, i * step));
        timers.push(setTimeout(resolve, this.windowMs));
      });
    } finally {
      this.abortRunning = null;
      for (const t of timers) clearTimeout(t);
      for (const off of unsubscribe) off();
      this.memo.rollOver();
    }
    return { devices: [...found.values()], stats };
  }

  private async open(): Promise<void> {
    const routes = new Map<string, Route>();
    this.routes = routes;
    for (const iface of this.interfaces) {
      routes.set(iface.address, { lease: await this.sockets.leaseScanSocket(iface.address), iface });
    }
    if (this.listenOnGroup && this.multicast && this.interfaces.length > 0) {
      try {
        this.group = await this.sockets.leaseGroupSocket(this.interfaces, this.port);
      } catch (err: unknown) {
        // Another program may hold 37020 exclusively: scan without it (unicast replies still come).
        if (!(err instanceof SadpSocketError)) throw err;
        this.group = null;
      }
    }
  }

  /** Where this round's inquiries go; a target outside every interface uses the any-address socket. */
  private async destinations(
    targets: readonly SadpTarget[],
    routes: Map<string, Route>,
    stats: SadpScanStats,
  ): Promise<Destination[]> {
    const out: Destination[] = [];
    if (this.multicast) {
      for (const route of routes.values()) {
        if (route.iface) out.push({ lease: route.lease, address: SADP_GROUP, port: this.port, group: true });
      }
    }
    for (const target of targets) {
      let address: string;
      try {
        address = (await lookup(target.host, { family: 4 })).address;
      } catch (err: unknown) {
        // An unresolvable name is one unreachable target, not a failed scan.
        stats.unresolvedTargets.push({ host: target.host, reason: (err as Error).message });
        continue;
      }
      const iface = interfaceFor(address, this.interfaces);
      const key = iface ? iface.address : '0.0.0.0';
      let route = routes.get(key);
      if (!route) {
        route = { lease: await this.sockets.leaseScanSocket('0.0.0.0'), iface: null };
        routes.set(key, route);
      }
      out.push({ lease: route.lease, address, port: target.port ?? SADP_PORT, group: false });
    }
    return out;
  }
}

interface Destination {
  lease: SadpSocketLease;
  address: string;
  port: number;
  group: boolean;
}

function emptyStats(groupListening: boolean): SadpScanStats {
  const dropped = Object.fromEntries(SADP_DROP_REASONS.map((r) => [r, 0])) as Record<SadpDropReason, number>;
  return {
    probesSent: 0,
    sendErrors: 0,
    datagrams: 0,
    repeats: 0,
    uuidMismatches: 0,
    dropped,
    groupListening,
    unresolvedTargets: [],
  };
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
