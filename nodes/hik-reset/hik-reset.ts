/**
 * `hik-reset` flow node: a view onto the runtime's fleet (lib/fleet/fleet.ts). It watches its
 * `hik-device` nodes and every device `hik-discover` messages (its input) or its own passive SADP
 * listener report, and sends one message per state change (topic = new state or event) plus, on a
 * second output, its devices' table. The fleet owns each device's state, poll, re-claim and alert
 * memory: several hik-reset nodes on one camera share them, a redeploy keeps them, and with a
 * `hik-homeassistant` node selected a transition raises one alert per Home Assistant link. A
 * device ticked for re-claim is re-claimed by the fleet when it comes back inactive. Status:
 * `N ok · M inactive · K attention`.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { HikError, InvalidArgumentError } from '../../lib/errors';
import type { FleetView } from '../../lib/fleet/fleet-view';
import { SadpFeed } from '../../lib/fleet/sadp-feed';
import type { DeviceChange } from '../../lib/monitor/activation-monitor';
import { findRecordByAddress } from '../../lib/rotation/enrol-device';
import { sharedSadpSockets } from '../../lib/runtime';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import { allIpv4Interfaces, resolveInterfaces, type SadpInterface } from '../../lib/sadp/sadp-interfaces';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import { openNodeRedFleet } from '../shared/fleet-access';
import { hikResetMigrations } from '../shared/migrations';
import { onClose, onInput, readNodeSettings, reportFailure } from '../shared/node-kit';
import { readResetSettings, type ResetSettings } from '../shared/reset-settings';
import { getHikDevice, getHikHomeAssistant, getHikMqtt } from '../shared/types';

const DISCOVER_TOPICS: readonly string[] = ['added', 'changed', 'rebooted', 'inactive'];

export = (RED: NodeAPI): void => {
  function HikReset(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: Node, def: NodeDef & Record<string, unknown>): void {
    const settings = readNodeSettings(RED, node, def, hikResetMigrations, readResetSettings);
    const interfaces = settings ? chooseInterfaces(node, settings) : null;
    if (!settings || !interfaces) {
      node.status({ fill: 'red', shape: 'ring', text: 'hik-reset.status.invalid' });
      return;
    }
    const ha = settings.server ? getHikHomeAssistant(RED, settings.server) : null;
    if (settings.server && !ha) node.warn(RED._('hik-reset.log.missingServer', { id: settings.server }));
    const alerts = ha?.acquire(node) ?? null;
    // The broker gets the whole fleet of this runtime (hik-mqtt owns the link; we are one of its users).
    const broker = settings.mqtt ? getHikMqtt(RED, settings.mqtt) : null;
    if (settings.mqtt && !broker) node.warn(RED._('hik-reset.log.missingMqtt', { id: settings.mqtt }));
    broker?.acquire(node);
    node.status({ fill: 'grey', shape: 'ring', text: 'hik-reset.status.idle' });

    const showCounts = (view: FleetView): void => {
      const c = view.counts();
      if (c.total === 0) return;
      // Devices nothing has answered for yet are counted apart: a green dot would say all is well.
      const waiting = c.total - c.ok - c.inactive - c.attention;
      const counts = { ok: c.ok, inactive: c.inactive, attention: c.attention, waiting };
      node.status({
        fill: c.inactive > 0 ? 'red' : c.attention > 0 ? 'yellow' : waiting === c.total ? 'grey' : 'green',
        shape: waiting > 0 ? 'ring' : 'dot',
        text: RED._(waiting > 0 ? 'hik-reset.status.fleetWaiting' : 'hik-reset.status.fleet', counts),
      });
    };

    const ready = openNodeRedFleet(RED).then(async ({ fleet, vaultProblem }) => {
      if (vaultProblem) node.warn(RED._('hik-reset.log.noVault', { code: vaultProblem.code }));
      const view: FleetView = fleet.view({
        pollIntervalMs: settings.pollSeconds * 1000,
        link: ha && alerts ? { key: ha.id, alerts } : null,
        onChange: (change) => {
          logChange(node, change);
          node.send([changeMessage(change), { topic: 'fleet', payload: view.rows() }]);
          showCounts(view);
        },
        onReclaim: (outcome) => {
          for (const d of outcome.dependents.filter((r) => r.code !== null))
            node.warn(
              RED._('hik-reset.log.channelFailed', { recorder: d.recorderSerial, code: d.code ?? '' }),
            );
        },
        onError: (err) => reportFailure(node, err),
      });
      view.listForActivation(settings.listed);
      watchConfigured(node, settings, view, fleet.vault);
      const feed = settings.passive
        ? new SadpFeed(view, {
            interfaces,
            sockets: sharedSadpSockets(),
            passive: true,
            scanIntervalMs: 0,
            // A node given its devices hears Hellos for them; listen-only, it takes on all it hears.
            adoptSighted: settings.devices.length === 0,
            onError: (err) => reportFailure(node, err),
          })
        : null;
      await feed?.start();
      showCounts(view);
      return { view, feed };
    });
    ready.catch((err: unknown) => reportFailure(node, err));

    onInput(node, async (msg) => {
      const { view } = await ready;
      if (msg.topic === 'poll') return view.pollNow();
      // A device gone from discovery is not offline: only unanswered polls say that.
      if (msg.topic === 'gone') return;
      const device = sadpDeviceOf(msg);
      if (!device)
        throw new InvalidArgumentError('msg.payload must be a hik-discover device, or msg.topic "poll"');
      view.observeSadp(device, 'probeMatch');
    });

    onClose(node, async (removed) => {
      const started = await ready.catch(() => null);
      started?.view.close();
      await started?.feed?.stop();
      await ha?.release(node, removed);
      await broker?.release(node, removed);
    });
  }

  /** Each configured device, known by its serial (configured, or found in the vault by address). */
  function watchConfigured(
    node: Node,
    settings: ResetSettings,
    view: FleetView,
    vault: CredentialVault | null,
  ): void {
    for (const ref of settings.devices) {
      const device = getHikDevice(RED, ref.device)?.deviceSettings;
      if (!device) {
        node.warn(RED._('hik-reset.log.missingDevice', { id: ref.device }));
        continue;
      }
      const serial =
        device.serial ??
        (vault ? findRecordByAddress(vault, device.host, device.port)?.serial : null) ??
        null;
      if (!serial) {
        node.warn(RED._('hik-reset.log.noSerial', { name: device.name || device.host }));
        continue;
      }
      view.watch(serial, {
        name: device.name || device.host,
        poll: { host: device.host, port: device.port, protocol: device.protocol },
        offlineAfterFailures: settings.offlineAfter,
        reclaim: ref.reclaim,
        recorder: ref.recorder,
      });
    }
  }

  function logChange(node: Node, change: DeviceChange): void {
    const detail = { serial: change.serial, ip: change.ip ?? '?', from: change.from, to: change.to };
    if (change.event === 'spoofing_suspected') node.warn(RED._('hik-reset.log.spoofing_suspected', detail));
    else if (change.kind === 'event') node.log(RED._(`hik-reset.log.${change.event ?? 'event'}`, detail));
    else if (change.alert) node.warn(RED._('hik-reset.log.alarm', detail));
    else node.log(RED._('hik-reset.log.transition', detail));
  }

  function chooseInterfaces(node: Node, settings: ResetSettings): SadpInterface[] | null {
    if (!settings.passive) return [];
    if (settings.interfaces.length === 0) return allIpv4Interfaces();
    try {
      return resolveInterfaces(settings.interfaces);
    } catch (err: unknown) {
      if (!HikError.isHikError(err)) throw err;
      node.warn(RED._('hik-reset.log.invalidConfig', { problem: RED._('hik-reset.validation.interfaces') }));
      return null;
    }
  }

  RED.nodes.registerType('hik-reset', HikReset, {
    settings: { hikResetVersion: { value: hikResetMigrations.current, exportable: true } },
  });
};

/** One change as a message: topic = the new state (or the event), payload = what and why. */
function changeMessage(change: DeviceChange): Record<string, unknown> {
  return {
    topic: change.kind === 'event' ? change.event : change.to,
    payload: {
      serial: change.serial,
      name: change.name,
      model: change.model,
      ip: change.ip,
      from: change.from,
      to: change.to,
      evidence: change.evidence,
      since: change.since,
      event: change.event,
      alert: change.alert,
    },
  };
}

/** The device of a hik-discover message (`added`, `changed`, `rebooted`, `inactive`), or null. */
function sadpDeviceOf(msg: NodeMessageInFlow): SadpDevice | null {
  const payload = msg.payload as Partial<SadpDevice> | null | undefined;
  if (typeof msg.topic !== 'string' || !DISCOVER_TOPICS.includes(msg.topic)) return null;
  if (!payload || typeof payload !== 'object' || typeof payload.serial !== 'string') return null;
  if (typeof payload.sourceAddress !== 'string' || !('activated' in payload)) return null;
  return payload as SadpDevice;
}
