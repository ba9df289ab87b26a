/**
 * `hik-device` config node: one Hikvision camera or recorder (host, protocol, port, user, serial)
 * and its enrolment password. It only validates and exposes its settings; flow nodes reach it
 * with `getHikDevice` (nodes/shared/types.ts). Config nodes have no status, so a bad config
 * gives one warning and the node stays idle.
 */
import type { Node, NodeAPI } from 'node-red';
import { readDeviceSettings } from '../shared/device-settings';
import { hikDeviceMigrations, type NodeConfig } from '../shared/migrations';
import { readNodeSettings } from '../shared/node-kit';
import {
  HIK_DEVICE_TYPE,
  type HikDeviceCredentials,
  type HikDeviceDef,
  type HikDeviceNode,
  type HikDeviceSettings,
} from '../shared/types';

/** The node while its constructor fills in what `HikDeviceNode` exposes read-only. */
interface HikDeviceNodeUnderConstruction extends Node<HikDeviceCredentials> {
  deviceSettings: HikDeviceSettings | null;
  enrolmentPassword: HikDeviceNode['enrolmentPassword'];
}

export = (RED: NodeAPI): void => {
  function HikDevice(this: HikDeviceNodeUnderConstruction, def: HikDeviceDef): void {
    RED.nodes.createNode(this, def);
    this.deviceSettings = readNodeSettings(
      RED,
      this,
      def as unknown as NodeConfig,
      hikDeviceMigrations,
      readDeviceSettings,
    );
    // Read on demand from Node-RED's credentials; never copied into settings, status or logs.
    this.enrolmentPassword = () => (this.credentials as HikDeviceCredentials | undefined)?.password;
  }

  RED.nodes.registerType<
    HikDeviceNodeUnderConstruction,
    HikDeviceDef,
    { hikDeviceVersion: number },
    HikDeviceCredentials
  >(HIK_DEVICE_TYPE, HikDevice, {
    credentials: { password: { type: 'password' } },
    settings: { hikDeviceVersion: { value: hikDeviceMigrations.current, exportable: true } },
  });
};
