/**
 * `hik-device` config node: one Hikvision camera or recorder (host, protocol, port, user, serial)
 * and its enrolment password. It only validates and exposes its settings; flow nodes reach it
 * with `getHikDevice` (nodes/shared/types.ts). Config nodes have no status, so a bad config
 * gives one warning and the node stays idle.
 */
import type { Node, NodeAPI } from 'node-red';
import { HikError } from '../../lib/errors';
import { readDeviceSettings } from '../shared/device-settings';
import { hikDeviceMigrations, migrate, NewerConfigVersionError } from '../shared/migrations';
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
    this.deviceSettings = readSettings(this, def);
    // Read on demand from Node-RED's credentials; never copied into settings, status or logs.
    this.enrolmentPassword = () => (this.credentials as HikDeviceCredentials | undefined)?.password;
  }

  function readSettings(node: HikDeviceNodeUnderConstruction, def: HikDeviceDef): HikDeviceSettings | null {
    let config: Record<string, unknown>;
    try {
      config = migrate(def as unknown as Record<string, unknown>, hikDeviceMigrations);
    } catch (err: unknown) {
      if (err instanceof NewerConfigVersionError) {
        node.warn(
          RED._('hik-device.log.newerConfig', {
            found: err.foundVersion,
            supported: err.supportedVersion,
          }),
        );
        return null;
      }
      if (HikError.isHikError(err)) {
        node.warn(RED._('hik-device.log.invalidConfig', { problem: RED._('hik-device.validation.version') }));
        return null;
      }
      throw err;
    }
    const result = readDeviceSettings(config);
    if (!result.ok) {
      node.warn(
        RED._('hik-device.log.invalidConfig', { problem: RED._(`hik-device.validation.${result.problem}`) }),
      );
      return null;
    }
    return result.settings;
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
