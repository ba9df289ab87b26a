/**
 * `hik-go2rtc` config node: where one go2rtc's API answers (standalone, or the one inside Frigate
 * on its own port) and, when its API asks for one, the API user. A `hik-device` lists it as a
 * holder of the device's password; `hik-credentials` then updates go2rtc's streams of that camera
 * right after each change (lib/consumers/go2rtc-consumer.ts). It only validates and exposes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { readGo2rtcSettings } from '../shared/go2rtc-settings';
import { hikGo2rtcMigrations, type NodeConfig } from '../shared/migrations';
import { readNodeSettings } from '../shared/node-kit';
import {
  HIK_GO2RTC_TYPE,
  type HikGo2rtcCredentials,
  type HikGo2rtcNode,
  type HikGo2rtcSettings,
} from '../shared/types';

interface HikGo2rtcUnderConstruction extends Node<HikGo2rtcCredentials> {
  go2rtcSettings: HikGo2rtcSettings | null;
  apiUser: HikGo2rtcNode['apiUser'];
}

export = (RED: NodeAPI): void => {
  function HikGo2rtc(this: HikGo2rtcUnderConstruction, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.go2rtcSettings = readNodeSettings(
      RED,
      this,
      def as unknown as NodeConfig,
      hikGo2rtcMigrations,
      readGo2rtcSettings,
    );
    // Read on demand from Node-RED's credentials; never copied into settings, status or logs.
    this.apiUser = () => {
      const { username, password } = (this.credentials as HikGo2rtcCredentials | undefined) ?? {};
      return username && password ? { username, password } : undefined;
    };
  }

  RED.nodes.registerType<
    HikGo2rtcUnderConstruction,
    NodeDef,
    { hikGo2rtcVersion: number },
    HikGo2rtcCredentials
  >(HIK_GO2RTC_TYPE, HikGo2rtc, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
    settings: { hikGo2rtcVersion: { value: hikGo2rtcMigrations.current, exportable: true } },
  });
};
