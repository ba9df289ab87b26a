/**
 * `hik-frigate` config node: where one Frigate's API answers (the internal port 5000 without a
 * login, or the authenticated port 8971 with an admin user), whether it may be restarted after a
 * password change, and that user. A `hik-device` lists it as a holder of the device's password;
 * `hik-credentials` then saves the new password into Frigate's camera inputs right after each
 * change (lib/consumers/frigate-consumer.ts). It only validates and exposes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { readFrigateSettings } from '../shared/frigate-settings';
import { hikFrigateMigrations, type NodeConfig } from '../shared/migrations';
import { readNodeSettings } from '../shared/node-kit';
import {
  HIK_FRIGATE_TYPE,
  type HikFrigateCredentials,
  type HikFrigateNode,
  type HikFrigateSettings,
} from '../shared/types';

interface HikFrigateUnderConstruction extends Node<HikFrigateCredentials> {
  frigateSettings: HikFrigateSettings | null;
  login: HikFrigateNode['login'];
}

export = (RED: NodeAPI): void => {
  function HikFrigate(this: HikFrigateUnderConstruction, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.frigateSettings = readNodeSettings(
      RED,
      this,
      def as unknown as NodeConfig,
      hikFrigateMigrations,
      readFrigateSettings,
    );
    // Read on demand from Node-RED's credentials; never copied into settings, status or logs.
    this.login = () => {
      const { username, password } = (this.credentials as HikFrigateCredentials | undefined) ?? {};
      return username && password ? { user: username, password } : undefined;
    };
  }

  RED.nodes.registerType<
    HikFrigateUnderConstruction,
    NodeDef,
    { hikFrigateVersion: number },
    HikFrigateCredentials
  >(HIK_FRIGATE_TYPE, HikFrigate, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
    settings: { hikFrigateVersion: { value: hikFrigateMigrations.current, exportable: true } },
  });
};
