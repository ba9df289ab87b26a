/**
 * `hik-homeassistant` config node: one Home Assistant (URL, access token, TLS). The link itself
 * lives in the process-wide registry (lib/runtime.ts), keyed by this node's id; flow nodes
 * `acquire` it to get the alerts facade and this node fans the connection status out to them.
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import { HikError } from '../../lib/errors';
import type { HaConnectionStatus } from '../../lib/homeassistant/ha-connection';
import { HaLink, type HaDeliveryProblem } from '../../lib/homeassistant/ha-link';
import type { DeviceTransition } from '../../lib/homeassistant/hik-guard-alerts';
import { sharedHaLinks } from '../../lib/runtime';
import { readHomeAssistantSettings, type HikHomeAssistantSettings } from '../shared/homeassistant-settings';
import { hikHomeassistantMigrations, migrate, NewerConfigVersionError } from '../shared/migrations';
import {
  HIK_HOMEASSISTANT_TYPE,
  type HikHomeAssistantCredentials,
  type HikHomeAssistantDef,
  type HikHomeAssistantNode,
} from '../shared/types';

type UnderConstruction = Node<HikHomeAssistantCredentials> & {
  acquire: HikHomeAssistantNode['acquire'];
  release: HikHomeAssistantNode['release'];
};

const CLOSE_TIMEOUT_MS = 3000;

export = (RED: NodeAPI): void => {
  function statusFor(status: HaConnectionStatus): NodeStatus {
    switch (status.kind) {
      case 'idle':
        return { fill: 'grey', shape: 'ring', text: 'hik-homeassistant.status.idle' };
      case 'connecting':
        return { fill: 'yellow', shape: 'ring', text: 'hik-homeassistant.status.connecting' };
      case 'connected':
        return {
          fill: 'green',
          shape: 'dot',
          text: RED._('hik-homeassistant.status.connected', { version: status.haVersion }),
        };
      case 'auth_failed':
        return { fill: 'red', shape: 'ring', text: `errors.${status.error.code}` };
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
    };
    return {
      title: RED._(`hik-homeassistant.notification.title.${t.type}`, values),
      message: RED._(`hik-homeassistant.notification.message.${t.type}`, values),
    };
  }

  function HikHomeAssistant(this: UnderConstruction, def: HikHomeAssistantDef): void {
    RED.nodes.createNode(this, def);
    const settings = readSettings(this, def);
    const users = new Map<string, Node>();
    const links = sharedHaLinks();

    const fanOut = (status: HaConnectionStatus): void => {
      const shown = statusFor(status);
      for (const user of users.values()) user.status(shown);
      if (status.kind === 'connected')
        this.log(RED._('hik-homeassistant.log.connected', { version: status.haVersion }));
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
        user.status({ fill: 'red', shape: 'ring', text: 'hik-homeassistant.status.notConfigured' });
        return null;
      }
      users.set(user.id, user);
      const link = links.acquire(this.id, user.id, () => createLink(settings, token));
      user.status(statusFor(link.status));
      return link.alerts;
    };

    this.release = async (user, removed) => {
      users.delete(user.id);
      // On a plain restart the user comes back with the same id: keep its hold on the link.
      if (removed) await links.release(this.id, user.id, CLOSE_TIMEOUT_MS);
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      void links.close(this.id, CLOSE_TIMEOUT_MS).finally(done);
    });
  }

  function readSettings(node: UnderConstruction, def: HikHomeAssistantDef): HikHomeAssistantSettings | null {
    let config: Record<string, unknown>;
    try {
      config = migrate(def as unknown as Record<string, unknown>, hikHomeassistantMigrations);
    } catch (err: unknown) {
      if (err instanceof NewerConfigVersionError) {
        node.warn(
          RED._('hik-homeassistant.log.newerConfig', {
            found: err.foundVersion,
            supported: err.supportedVersion,
          }),
        );
        return null;
      }
      if (HikError.isHikError(err)) {
        node.warn(
          RED._('hik-homeassistant.log.invalidConfig', {
            problem: RED._('hik-homeassistant.validation.version'),
          }),
        );
        return null;
      }
      throw err;
    }
    const result = readHomeAssistantSettings(config);
    if (!result.ok) {
      node.warn(
        RED._('hik-homeassistant.log.invalidConfig', {
          problem: RED._(`hik-homeassistant.validation.${result.problem}`),
        }),
      );
      return null;
    }
    return result.settings;
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
