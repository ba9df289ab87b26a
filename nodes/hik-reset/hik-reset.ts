/**
 * `hik-reset` flow node: watches its `hik-device` nodes and every device `hik-discover` messages
 * (its input) or its own passive SADP listener report, polls their free `/SDK/activateStatus`, and
 * sends one message per state change (topic = new state or event) plus, on a second output, the
 * whole fleet table. With a `hik-homeassistant` node selected, every change updates the device's
 * entity and alarms raise Home Assistant alerts. Devices the owner ticked are re-claimed when they
 * come back inactive. Status: `N ok · M inactive · K attention`.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { HikError, InvalidArgumentError } from '../../lib/errors';
import type { DeviceChange } from '../../lib/monitor/activation-monitor';
import { ResetWatch } from '../../lib/monitor/reset-watch';
import { sharedFleetView, sharedSadpSockets } from '../../lib/runtime';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import { allIpv4Interfaces, resolveInterfaces, type SadpInterface } from '../../lib/sadp/sadp-interfaces';
import type { RecorderLink } from '../../lib/rotation/dependent-channels';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import { findRecordByAddress } from '../../lib/rotation/enrol-device';
import { hikResetMigrations, migrate, NewerConfigVersionError } from '../shared/migrations';
import { readResetSettings, type ResetSettings } from '../shared/reset-settings';
import { getHikDevice, getHikHomeAssistant, type HikDeviceNode } from '../shared/types';
import { openNodeRedVault } from '../shared/vault-access';

type SendFn = (msg: (Record<string, unknown> | null)[]) => void;
const DISCOVER_TOPICS: readonly string[] = ['added', 'changed', 'rebooted', 'inactive'];

export = (RED: NodeAPI): void => {
  function HikReset(this: Node, def: NodeDef & Record<string, unknown>): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: Node, def: Record<string, unknown>): void {
    const settings = readSettings(node, def);
    const interfaces = settings ? chooseInterfaces(node, settings) : null;
    if (!settings || !interfaces) {
      node.status({ fill: 'red', shape: 'ring', text: 'hik-reset.status.invalid' });
      return;
    }
    const ha = settings.server ? getHikHomeAssistant(RED, settings.server) : null;
    if (settings.server && !ha) node.warn(RED._('hik-reset.log.missingServer', { id: settings.server }));
    const alerts = ha?.acquire(node) ?? null;
    node.status({ fill: 'grey', shape: 'ring', text: 'hik-reset.status.idle' });

    const showCounts = (watch: ResetWatch): void => {
      const c = watch.monitor.counts();
      node.status({
        fill: c.inactive > 0 ? 'red' : c.attention > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._('hik-reset.status.fleet', { ok: c.ok, inactive: c.inactive, attention: c.attention }),
      });
    };
    const send: SendFn = (msg) => node.send(msg);

    const ready = openVault(node).then(async (vault) => {
      const devices = configuredDevices(node, settings);
      const recorders: RecorderLink[] = [];
      const allowed = new Set<string>();
      const watch: ResetWatch = new ResetWatch({
        pollIntervalMs: settings.pollSeconds * 1000,
        offlineAfterFailures: settings.offlineAfter,
        sadp: settings.passive
          ? { interfaces, sockets: sharedSadpSockets(), passive: true, scanIntervalMs: 0 }
          : null,
        vault,
        reclaim: vault ? { allowed, listed: new Set(settings.listed), recorders: () => recorders } : null,
        alerts,
        fleetView: { view: sharedFleetView(), id: node.id },
        onChange: (change) => {
          logChange(node, change);
          send([changeMessage(change), { topic: 'fleet', payload: watch.rows() }]);
          showCounts(watch);
        },
        onReclaim: (outcome) => {
          for (const d of outcome.dependents.filter((r) => r.code !== null))
            node.warn(
              RED._('hik-reset.log.channelFailed', { recorder: d.recorderSerial, code: d.code ?? '' }),
            );
        },
        onError: (err) => {
          showFailure(node, err);
          node.error(err);
        },
      });
      for (const { config, ref } of devices) {
        const device = config.deviceSettings;
        if (!device) continue;
        const serial =
          device.serial ??
          (vault ? findRecordByAddress(vault, device.host, device.port)?.serial : null) ??
          null;
        if (!serial) {
          node.warn(RED._('hik-reset.log.noSerial', { name: device.name || device.host }));
          continue;
        }
        watch.watch(serial, {
          name: device.name || device.host,
          poll: { host: device.host, port: device.port, protocol: device.protocol },
        });
        if (ref.reclaim) allowed.add(serial);
        if (ref.recorder) recorders.push({ serial, address: device });
      }
      await watch.start();
      if (watch.monitor.counts().total > 0) showCounts(watch);
      return watch;
    });
    ready.catch((err: unknown) => {
      showFailure(node, err);
      node.error(err);
    });

    // Changes caused by an input go out through the node's own send: one input may cause several.
    node.on('input', (msg: NodeMessageInFlow, _send: SendFn, done: (err?: Error) => void) => {
      const run = async (): Promise<void> => {
        const watch = await ready;
        if (msg.topic === 'poll') {
          await watch.pollNow();
          return;
        }
        // A device gone from discovery is not offline: only unanswered polls say that.
        if (msg.topic === 'gone') return;
        const device = sadpDeviceOf(msg);
        if (!device)
          throw new InvalidArgumentError('msg.payload must be a hik-discover device, or msg.topic "poll"');
        watch.observeSadp(device, 'probeMatch');
      };
      run().then(
        () => done(),
        (err: unknown) => {
          showFailure(node, err);
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      const stopped = ready.then((watch) => watch.stop()).catch(() => undefined);
      void stopped
        .then(() => ha?.release(node, removed))
        .finally(() => {
          node.status({});
          done();
        });
    });
  }

  /** The vault, or null (with one warning) when this Node-RED has no key for it. */
  async function openVault(node: Node): Promise<CredentialVault | null> {
    try {
      return await openNodeRedVault(RED);
    } catch (err: unknown) {
      if (!HikError.isHikError(err)) throw err;
      node.warn(RED._('hik-reset.log.noVault', { code: err.code }));
      return null;
    }
  }

  function configuredDevices(
    node: Node,
    settings: ResetSettings,
  ): { config: HikDeviceNode; ref: ResetSettings['devices'][number] }[] {
    return settings.devices.flatMap((ref) => {
      const config = getHikDevice(RED, ref.device);
      if (!config?.deviceSettings) {
        node.warn(RED._('hik-reset.log.missingDevice', { id: ref.device }));
        return [];
      }
      return [{ config, ref }];
    });
  }

  function logChange(node: Node, change: DeviceChange): void {
    const detail = { serial: change.serial, ip: change.ip ?? '?', from: change.from, to: change.to };
    if (change.event === 'spoofing_suspected') node.warn(RED._('hik-reset.log.spoofing_suspected', detail));
    else if (change.kind === 'event') node.log(RED._(`hik-reset.log.${change.event ?? 'event'}`, detail));
    else if (change.alert) node.warn(RED._('hik-reset.log.alarm', detail));
    else node.log(RED._('hik-reset.log.transition', detail));
  }

  function readSettings(node: Node, def: Record<string, unknown>): ResetSettings | null {
    let config: Record<string, unknown>;
    try {
      config = migrate(def, hikResetMigrations);
    } catch (err: unknown) {
      if (err instanceof NewerConfigVersionError) {
        node.warn(
          RED._('hik-reset.log.newerConfig', { found: err.foundVersion, supported: err.supportedVersion }),
        );
        return null;
      }
      if (HikError.isHikError(err)) {
        node.warn(RED._('hik-reset.log.invalidConfig', { problem: RED._('hik-reset.validation.version') }));
        return null;
      }
      throw err;
    }
    const result = readResetSettings(config);
    if (!result.ok) {
      node.warn(
        RED._('hik-reset.log.invalidConfig', { problem: RED._(`hik-reset.validation.${result.problem}`) }),
      );
      return null;
    }
    return result.settings;
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

  function showFailure(node: Node, err: unknown): void {
    const code = HikError.isHikError(err) ? err.code : 'HIK_ERR';
    node.status({ fill: 'red', shape: 'ring', text: `errors.${code}` });
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
      ...(change.kind === 'event' ? { event: change.event } : {}),
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
