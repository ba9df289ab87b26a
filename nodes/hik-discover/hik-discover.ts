/**
 * `hik-discover` flow node: finds Hikvision devices over SADP on input and/or on an interval,
 * listens for their unsolicited Hellos when passive mode is on, and sends one message per change
 * (`added`, `changed`, `rebooted`, `inactive`, `gone`), optionally the whole list on a second
 * output. Sockets come from the process-wide set, so every hik-discover node and the CLI in this
 * process share them. Status: `N devices, M inactive` (red when any is inactive).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { HikError } from '../../lib/errors';
import type { FleetEvent } from '../../lib/sadp/discovered-fleet';
import { DiscoveryService } from '../../lib/sadp/discovery-service';
import { allIpv4Interfaces, resolveInterfaces, type SadpInterface } from '../../lib/sadp/sadp-interfaces';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import { sharedDiscoveries, sharedSadpSockets } from '../../lib/runtime';
import { readDiscoverSettings, type DiscoverSettings } from '../shared/discover-settings';
import { hikDiscoverMigrations } from '../shared/migrations';
import { onClose, onInput, readNodeSettings, reportFailure } from '../shared/node-kit';

type SendFn = (msg: (Record<string, unknown> | null)[] | Record<string, unknown>) => void;

export = (RED: NodeAPI): void => {
  function HikDiscover(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    const settings = readNodeSettings(RED, this, def, hikDiscoverMigrations, readDiscoverSettings);
    const interfaces = settings ? chooseInterfaces(this, settings) : null;
    if (!settings || !interfaces) {
      this.status({ fill: 'red', shape: 'ring', text: 'hik-discover.status.invalid' });
      return;
    }
    const toMessages = (events: FleetEvent[]): Record<string, unknown>[] => events.map(eventMessage);
    const showCount = (): void => {
      const count = service.fleet.size;
      const inactive = service.fleet.inactiveCount();
      this.status({
        fill: inactive > 0 ? 'red' : 'green',
        shape: 'dot',
        text: RED._('hik-discover.status.devices', { count, inactive }),
      });
    };
    const sendEvents = (send: SendFn, events: FleetEvent[], base: Record<string, unknown> = {}): void => {
      for (const msg of toMessages(events))
        send(settings.sendList ? [{ ...base, ...msg }, null] : { ...base, ...msg });
    };
    const sendList = (send: SendFn, devices: SadpDevice[], base: Record<string, unknown> = {}): void => {
      if (settings.sendList) send([null, { ...base, topic: 'devices', payload: devices }]);
    };

    const service = new DiscoveryService({
      interfaces,
      targets: settings.targets,
      windowMs: settings.windowMs,
      intervalMs: settings.intervalSeconds * 1000,
      passive: settings.passive,
      goneAfterMs: settings.goneAfterSeconds * 1000,
      sockets: sharedSadpSockets(),
      onEvents: (events, cause) => {
        this.debug(RED._('hik-discover.log.events', { count: events.length, cause }));
        sendEvents((m) => this.send(m), events);
        showCount();
        sharedDiscoveries().changed();
      },
      onScanned: (devices) => {
        sendList((m) => this.send(m), devices);
        showCount();
      },
      onError: (err) => reportFailure(this, err),
    });

    this.status({ fill: 'grey', shape: 'ring', text: 'hik-discover.status.idle' });
    sharedDiscoveries().add(service);
    const started = service.start().then(
      () => {
        if (service.fleet.size > 0) showCount();
      },
      (err: unknown) => reportFailure(this, err),
    );

    onInput(this, async (msg, send) => {
      const base = { _msgid: msg._msgid };
      this.status({ fill: 'yellow', shape: 'ring', text: 'hik-discover.status.scanning' });
      const outcome = await service.scan();
      sendEvents(send, outcome.events, base);
      sendList(send, outcome.devices, base);
      showCount();
    });

    onClose(this, async () => {
      sharedDiscoveries().delete(service);
      await started;
      await service.stop();
    });
  }

  function chooseInterfaces(node: Node, settings: DiscoverSettings): SadpInterface[] | null {
    if (settings.interfaces.length === 0) return allIpv4Interfaces();
    try {
      return resolveInterfaces(settings.interfaces);
    } catch (err: unknown) {
      if (!HikError.isHikError(err)) throw err;
      node.warn(RED._('hik-discover.log.invalidConfig', { problem: err.message }));
      return null;
    }
  }

  RED.nodes.registerType('hik-discover', HikDiscover, {
    settings: { hikDiscoverVersion: { value: hikDiscoverMigrations.current, exportable: true } },
  });
};

/** One change as a message: topic = what happened, payload = the device as now seen. */
function eventMessage(event: FleetEvent): Record<string, unknown> {
  return {
    topic: event.topic,
    payload: event.device,
    changes: event.changes,
    ...(event.previous && event.topic !== 'gone' ? { previous: event.previous } : {}),
  };
}
