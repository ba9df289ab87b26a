/**
 * SADP for a fleet view: a discovery service (passive listener for the Hellos a device sends when
 * it boots, and scans of our own when asked) whose sightings go to the view, and so through the
 * fleet's sighting gate. A missed SADP reply never makes a device offline: only unanswered polls
 * say that, so `gone` is ignored; unchanged replies are signs of life too. Interval scans of
 * targets skip most devices that answer their polls (lib/fleet/sadp-target-schedule.ts).
 */
import { DiscoveryService } from '../sadp/discovery-service';
import type { SadpInterface } from '../sadp/sadp-interfaces';
import type { SadpTarget } from '../sadp/sadp-scanner';
import type { SadpSocketSet } from '../sadp/sadp-socket-set';
import type { FleetView } from './fleet-view';
import { SadpTargetSchedule } from './sadp-target-schedule';

export interface SadpFeedOptions {
  interfaces: readonly SadpInterface[];
  targets?: readonly SadpTarget[] | undefined;
  /** Scans also ask the group on each interface. Default true; false = the targets only. */
  multicast?: boolean | undefined;
  sockets: SadpSocketSet;
  /** Listen for Hellos (a reset device announces itself when it boots). */
  passive: boolean;
  /** 0 = no scans of our own. */
  scanIntervalMs: number;
  /**
   * Whether a device heard that the view does not watch becomes one of its devices. Default true
   * (a listen-only watch takes on all it hears); false for a view with devices of its own.
   */
  adoptSighted?: boolean | undefined;
  port?: number | undefined;
  onError: (err: Error) => void;
}

export class SadpFeed {
  private readonly discovery: DiscoveryService;
  private readonly adopt: boolean;

  constructor(
    private readonly view: FleetView,
    options: SadpFeedOptions,
  ) {
    const schedule = new SadpTargetSchedule();
    this.adopt = options.adoptSighted ?? true;
    this.discovery = new DiscoveryService({
      interfaces: options.interfaces,
      targets: options.targets ?? [],
      multicast: options.multicast,
      intervalMs: options.scanIntervalMs,
      passive: options.passive,
      sockets: options.sockets,
      port: options.port,
      // Hellos only: an interval scan's events are about devices that replied, which onScanned
      // passes on (once each), and expiry events are `gone`.
      onEvents: (events, cause) => {
        if (cause !== 'passive') return;
        const seen = new Map(
          events.filter((e) => e.topic !== 'gone').map((e) => [e.device.serial, e.device]),
        );
        for (const device of seen.values()) view.observeSadp(device, 'hello', this.adopt);
      },
      // Only what replied: the service's list still holds devices that stopped answering.
      onScanned: (_, answered) => {
        for (const device of answered) view.observeSadp(device, 'probeMatch', this.adopt);
      },
      targetsToScan: (targets) => schedule.due(targets, view.hostsAnsweringPolls()),
      onError: options.onError,
    });
  }

  start(): Promise<void> {
    return this.discovery.start();
  }

  /** One scan now. */
  async scanNow(): Promise<void> {
    const { answered } = await this.discovery.scan();
    for (const device of answered) this.view.observeSadp(device, 'probeMatch', this.adopt);
  }

  stop(): Promise<void> {
    return this.discovery.stop();
  }
}
