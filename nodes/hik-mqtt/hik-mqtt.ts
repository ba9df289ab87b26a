/**
 * `hik-mqtt` config node: one MQTT broker that Home Assistant's MQTT integration listens to. It
 * owns its link as Node-RED's MQTT broker node owns its client: the first flow node to `acquire`
 * it (a hik-reset with this broker selected) connects it, the last one out (removed) disconnects
 * it, and closing the config node ends it, bounded, with availability `offline`. While connected,
 * the runtime's whole fleet is published as Home Assistant devices (lib/mqtt/): one sink per link.
 * Deleting this configuration deletes the entities it created. Status fans out to its users.
 */
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { HikError } from '../../lib/errors';
import { availabilityTopic, type DiscoveryTopics } from '../../lib/mqtt/ha-discovery';
import { HomeAssistantMqttSink, type ActionReport } from '../../lib/mqtt/home-assistant-mqtt-sink';
import { MqttLink, type MqttLinkStatus } from '../../lib/mqtt/mqtt-link';
import { openNodeRedFleet } from '../shared/fleet-access';
import { hikMqttMigrations } from '../shared/migrations';
import { actionsAllowed, readMqttSettings, type HikMqttSettings } from '../shared/mqtt-settings';
import { errorCode, readNodeSettings } from '../shared/node-kit';
import { packageInfo } from '../shared/package-info';
import { HIK_MQTT_TYPE, type HikMqttCredentials, type HikMqttNode } from '../shared/types';

type UnderConstruction = Node<HikMqttCredentials> & {
  acquire: HikMqttNode['acquire'];
  release: HikMqttNode['release'];
};

interface Running {
  link: MqttLink;
  sink: Promise<HomeAssistantMqttSink | null>;
}

const CLOSE_TIMEOUT_MS = 3000;

export = (RED: NodeAPI): void => {
  // As hik-homeassistant: texts are translated here, in this node's namespace, before they fan
  // out to users whose catalogs do not hold these keys.
  function statusFor(status: MqttLinkStatus): NodeStatus {
    switch (status.kind) {
      case 'idle':
        return { fill: 'grey', shape: 'ring', text: RED._('hik-mqtt.status.idle') };
      case 'connecting':
        return {
          fill: 'yellow',
          shape: 'ring',
          text: status.lastError
            ? RED._('hik-mqtt.status.retrying', { problem: RED._(`errors.${status.lastError.code}`) })
            : RED._('hik-mqtt.status.connecting'),
        };
      case 'connected':
        return { fill: 'green', shape: 'dot', text: RED._('hik-mqtt.status.connected') };
      case 'refused':
        return { fill: 'red', shape: 'ring', text: RED._(`errors.${status.error.code}`) };
      case 'closed':
        return {};
    }
  }

  type HikMqttDef = NodeDef & Record<string, unknown>;

  function HikMqtt(this: UnderConstruction, def: HikMqttDef): void {
    RED.nodes.createNode(this, def);
    const settings = readNodeSettings(RED, this, def, hikMqttMigrations, readMqttSettings);
    const users = new Map<string, Node>();
    let running: Running | null = null;

    let outageLogged = false;
    const fanOut = (status: MqttLinkStatus): void => {
      const shown = statusFor(status);
      for (const user of users.values()) user.status(shown);
      if (status.kind === 'connected') {
        outageLogged = false;
        this.log(RED._('hik-mqtt.log.connected', { broker: settings?.url ?? '?' }));
      } else if (status.kind === 'connecting' && status.lastError && !outageLogged) {
        outageLogged = true;
        this.warn(
          RED._('hik-mqtt.log.unreachable', {
            broker: settings?.url ?? '?',
            reason: status.lastError.message,
            code: status.lastError.code,
          }),
        );
      } else if (status.kind === 'refused') {
        this.error(RED._('hik-mqtt.log.refused', { broker: settings?.url ?? '?', code: status.error.code }));
      }
    };

    const logAction = (report: ActionReport): void => {
      const values = { action: report.action, serial: report.serial ?? '?' };
      switch (report.outcome) {
        case 'accepted':
          this.log(RED._('hik-mqtt.log.actionAccepted', values));
          return;
        case 'done':
          this.log(RED._('hik-mqtt.log.actionDone', { ...values, result: report.result.result }));
          return;
        case 'failed':
          this.warn(RED._('hik-mqtt.log.actionFailed', { ...values, code: errorCode(report.error) }));
          return;
        case 'refused':
          this.warn(RED._(`hik-mqtt.log.actionRefused.${report.reason}`, values));
          return;
      }
    };

    const start = (ready: HikMqttSettings): Running | null => {
      const info = packageInfo();
      const topics: DiscoveryTopics = {
        prefix: ready.discoveryPrefix,
        base: ready.baseTopic,
        origin: { name: info.name, sw_version: info.version, support_url: info.homepage },
      };
      let link: MqttLink;
      try {
        link = new MqttLink({
          url: ready.url,
          username: this.credentials.user,
          password: this.credentials.password,
          clientId: ready.clientId ?? `hik_guard_${this.id}`,
          tls: { verify: ready.verifyTls, ca: ready.ca },
          availabilityTopic: availabilityTopic(topics),
          subscriptions: HomeAssistantMqttSink.subscriptions(topics),
        });
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        this.warn(RED._('hik-mqtt.log.invalidConfig', { problem: err.message }));
        return null;
      }
      link.onStatus(fanOut);
      // The sink is made once the fleet is open, then the link connects: the first connection
      // already has every device to publish.
      const sink = openNodeRedFleet(RED).then(
        ({ fleet }) => {
          const made = new HomeAssistantMqttSink({
            link,
            fleet,
            topics,
            actionsAllowed: (serial) => actionsAllowed(ready, serial),
            act: (serial, action) => fleet.act(serial, action),
            onAction: logAction,
            removeAfterMs: ready.removeAfterSeconds * 1000,
          });
          link.start();
          return made;
        },
        (err: unknown) => {
          this.error(RED._('hik-mqtt.log.noFleet', { code: errorCode(err) }));
          return null;
        },
      );
      return { link, sink };
    };

    this.acquire = (user) => {
      if (!settings) {
        user.status({ fill: 'red', shape: 'ring', text: RED._('hik-mqtt.status.notConfigured') });
        return false;
      }
      users.set(user.id, user);
      running ??= start(settings);
      if (!running) {
        user.status({ fill: 'red', shape: 'ring', text: RED._('hik-mqtt.status.notConfigured') });
        return false;
      }
      user.status(statusFor(running.link.status));
      return true;
    };

    /** Ends the link; `forget`: the configuration was deleted, so its entities are deleted too. */
    const stop = async (forget: boolean): Promise<void> => {
      const stopping = running;
      running = null;
      if (!stopping) return;
      const sink = await stopping.sink;
      if (forget) sink?.removeAll();
      sink?.close();
      await stopping.link.stop(CLOSE_TIMEOUT_MS);
    };

    this.release = async (user, removed) => {
      users.delete(user.id);
      // On a plain restart the user comes back: keep the link until this node closes.
      if (removed && users.size === 0) await stop(false);
    };

    this.on('close', (removed: boolean, done: () => void) => {
      users.clear();
      void stop(removed).finally(done);
    });
  }

  RED.nodes.registerType<UnderConstruction, HikMqttDef, { hikMqttVersion: number }, HikMqttCredentials>(
    HIK_MQTT_TYPE,
    HikMqtt,
    {
      credentials: { user: { type: 'text' }, password: { type: 'password' } },
      settings: { hikMqttVersion: { value: hikMqttMigrations.current, exportable: true } },
    },
  );
};
