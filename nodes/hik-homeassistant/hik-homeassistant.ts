/**
 * `hik-homeassistant` config node: one Home Assistant (URL, access token, TLS). It owns its link,
 * as Node-RED's MQTT broker node owns its client: the first flow node to `acquire` it connects,
 * the last one out (removed) disconnects, and closing the config node ends it, bounded. Flow nodes
 * get the alerts facade; this node fans the connection status out to them.
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { HaConnectionStatus } from '../../lib/homeassistant/ha-connection';
import { HaLink, type HaDeliveryProblem } from '../../lib/homeassistant/ha-link';
import type { DeviceTransition } from '../../lib/homeassistant/hik-guard-alerts';
import { readHomeAssistantSettings, type HikHomeAssistantSettings } from '../shared/homeassistant-settings';
import { hikHomeassistantMigrations, type NodeConfig } from '../shared/migrations';
import { readNodeSettings } from '../shared/node-kit';
import {
  HIK_HOMEASSISTANT_TYPE,
  type HikHomeAssistantCredentials,
  type HikHomeAssistantDef,
  type HikHomeAssistantNode,
} from '../shared/types';

type UnderConstruction = Node<HikHomeAssistantCredentials> & {
  acquire: HikHomeAssistantNode['acquire'];
  release: HikHomeAssistantNode['release'];
  configEntryLink: HikHomeAssistantNode['configEntryLink'];
};

const CLOSE_TIMEOUT_MS = 3000;

export = (RED: NodeAPI): void => {
  // Config nodes show no status of their own: this one is shown on its users (hik-reset), whose
  // editor catalogs do not hold hik-homeassistant's keys. So every text is translated here, in
  // this node's namespace, before it fans out; the editor shows such a text as it is.
  function statusFor(status: HaConnectionStatus): NodeStatus {
    switch (status.kind) {
      case 'idle':
        return { fill: 'grey', shape: 'ring', text: RED._('hik-homeassistant.status.idle') };
      case 'connecting':
        return {
          fill: 'yellow',
          shape: 'ring',
          text: status.lastError
            ? RED._('hik-homeassistant.status.retrying', {
                problem: RED._(`errors.${status.lastError.code}`),
              })
            : RED._('hik-homeassistant.status.connecting'),
        };
      case 'connected':
        return {
          fill: 'green',
          shape: 'dot',
          text: RED._('hik-homeassistant.status.connected', { version: status.haVersion }),
        };
      case 'auth_failed':
        return { fill: 'red', shape: 'ring', text: RED._(`errors.${status.error.code}`) };
      case 'closed':
        return {};
    }
  }

  function describe(t: DeviceTransition): { title: string; message: string } {
    const values = {
      name: t.name || t.serial,
      serial: t.serial,
      ip: t.ip ?? '?',
      from: t.from ?? '?',
      to: t.to,
      notUpdated: String(t.evidence?.consumers_not_updated ?? ''),
      // security_finding: which finding (its id and title), never a secret.
      finding: String(t.evidence?.finding ?? ''),
      findingTitle: String(t.evidence?.title ?? ''),
    };
    return {
      title: RED._(`hik-homeassistant.notification.title.${t.type}`, values),
      message: RED._(`hik-homeassistant.notification.message.${t.type}`, values),
    };
  }

  function HikHomeAssistant(this: UnderConstruction, def: HikHomeAssistantDef): void {
    RED.nodes.createNode(this, def);
    const settings = readNodeSettings(
      RED,
      this,
      def as unknown as NodeConfig,
      hikHomeassistantMigrations,
      readHomeAssistantSettings,
    );
    const users = new Map<string, Node>();
    /** Holders of a camera password reached over config-entry flows: they share the link, not its status. */
    const holders = new Set<string>();
    let link: HaLink | null = null;

    // An outage is logged once, with its first reason, however many retries it takes; the next
    // line is the one saying it connected again.
    let outageLogged = false;
    const fanOut = (status: HaConnectionStatus): void => {
      const shown = statusFor(status);
      for (const user of users.values()) user.status(shown);
      if (status.kind === 'connected') {
        outageLogged = false;
        this.log(RED._('hik-homeassistant.log.connected', { version: status.haVersion }));
      }
      if (status.kind === 'connecting' && status.lastError && !outageLogged) {
        outageLogged = true;
        const { code, message } = status.lastError;
        this.warn(
          RED._('hik-homeassistant.log.unreachable', { url: settings?.url ?? '?', reason: message, code }),
        );
      }
      if (status.kind === 'auth_failed')
        this.error(RED._('hik-homeassistant.log.authFailed', { code: status.error.code }));
    };
    const report = (problem: HaDeliveryProblem): void => {
      const what = problem.entity?.entityId ?? problem.command?.type ?? '?';
      this.warn(RED._('hik-homeassistant.log.undelivered', { what, code: problem.error?.code ?? 'evicted' }));
    };

    const createLink = (ready: HikHomeAssistantSettings, token: string): HaLink => {
      const link = new HaLink({
        url: ready.url,
        token,
        tls: { verify: ready.verifyTls, ca: ready.ca },
        notifications: ready.notifications,
        notifyService: ready.notifyService,
        describe,
      });
      link.onStatus(fanOut);
      link.onProblem(report);
      return link;
    };

    this.acquire = (user) => {
      const token = this.credentials.token ?? '';
      if (!settings || token.trim() === '') {
        user.status({ fill: 'red', shape: 'ring', text: RED._('hik-homeassistant.status.notConfigured') });
        return null;
      }
      users.set(user.id, user);
      if (!link) {
        link = createLink(settings, token);
        link.start();
      }
      user.status(statusFor(link.status));
      return link.alerts;
    };

    this.configEntryLink = (holder) => {
      const token = this.credentials.token ?? '';
      if (!settings || token.trim() === '') return null;
      holders.add(holder.id);
      if (!link) {
        link = createLink(settings, token);
        link.start();
      }
      return link;
    };

    const stopLink = async (): Promise<void> => {
      const stopping = link;
      link = null;
      await stopping?.stop(CLOSE_TIMEOUT_MS);
    };

    this.release = async (user, removed) => {
      users.delete(user.id);
      holders.delete(user.id);
      // On a plain restart the user comes back: keep the link until this node closes.
      if (removed && users.size === 0 && holders.size === 0) await stopLink();
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      holders.clear();
      void stopLink().finally(done);
    });
  }

  RED.nodes.registerType<
    UnderConstruction,
    HikHomeAssistantDef,
    { hikHomeassistantVersion: number },
    HikHomeAssistantCredentials
  >(HIK_HOMEASSISTANT_TYPE, HikHomeAssistant, {
    credentials: { token: { type: 'password' } },
    settings: { hikHomeassistantVersion: { value: hikHomeassistantMigrations.current, exportable: true } },
  });
};
