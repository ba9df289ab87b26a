/**
 * Runtime half of the "Hik Guard" editor sidebar (the editor half is hik-sidebar.html): the admin
 * endpoints, and the comms topic `hik-guard/fleet` that pushes the device table to open editors
 * whenever discovery sees a change, and every few seconds when anything else (a rotation, the
 * vault, a deploy) changed it.
 */
import type { NodeAPI } from 'node-red';
import { HikError } from '../../lib/errors';
import { sharedDiscoveries } from '../../lib/runtime';
import { openNodeRedFleet } from '../../nodes/shared/fleet-access';
import { registerAdminRoutes } from './admin-routes';
import { fleetSnapshot } from './fleet-source';

const FLEET_TOPIC = 'hik-guard/fleet';
const REFRESH_MS = 3_000;

interface PluginRegistry {
  registerPlugin(id: string, definition: Record<string, unknown>): void;
}

export = (RED: NodeAPI): void => {
  let last = '';
  let publishing: Promise<void> | null = null;
  const publish = (): void => {
    publishing ??= fleetSnapshot(RED)
      .then((snapshot) => {
        const text = JSON.stringify(snapshot.devices);
        if (text === last) return;
        last = text;
        RED.comms.publish(FLEET_TOPIC, snapshot, true);
      })
      .catch((err: unknown) => {
        RED.log.warn(`hik-guard sidebar: ${HikError.isHikError(err) ? err.code : String(err)}`);
      })
      .finally(() => {
        publishing = null;
      });
  };

  registerAdminRoutes(RED, publish);
  sharedDiscoveries().onChange(publish);
  // The fleet is made when a node first needs it (the vault key is known only then).
  let fleetWatched = false;
  const watchFleet = (): void => {
    if (fleetWatched) return;
    fleetWatched = true;
    openNodeRedFleet(RED).then(
      ({ fleet }) => {
        fleet.onChange(publish);
        fleet.onStop(() => (fleetWatched = false));
      },
      () => (fleetWatched = false),
    );
  };
  // The runtime has no plugin close hook; an unref'd timer never holds the process open.
  setInterval(() => {
    watchFleet();
    publish();
  }, REFRESH_MS).unref();

  (RED as unknown as { plugins: PluginRegistry }).plugins.registerPlugin('hik-sidebar', {
    type: 'hik-guard-sidebar',
  });
};
