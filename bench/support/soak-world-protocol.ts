/**
 * What the soak bench's product process and its world process (simulated fleet + Home Assistant
 * test server) say to each other over the IPC channel. Plain JSON: no RegExp fault paths.
 */
import type { FaultSpec } from '../../sim';

export interface WorldLayout {
  devices: number;
  nvrs: number;
  camerasPerNvr: number;
  httpsEvery: number;
  /** The password every device starts with (what the owner types to enrol). */
  password: string;
  haToken: string;
  /** Port the simulated devices answer SADP on (the product listens there). */
  sadpPort: number;
}

export interface WorldDevice {
  serial: string;
  kind: 'camera' | 'nvr';
  host: string;
  port: number;
  protocol: 'http' | 'https';
  /** The NVR recording this camera, if any. */
  recorder: string | null;
}

export type WorldFault = FaultSpec & { path?: string };

export type WorldRequest =
  | { cmd: 'start'; layout: WorldLayout }
  | { cmd: 'fault'; serial: string; fault: WorldFault }
  | { cmd: 'reboot'; serial: string }
  /** Factory reset, only of a device that is up and activated; answers whether it was done. */
  | { cmd: 'reset'; serial: string }
  | { cmd: 'haRestart'; downMs: number }
  /** Clears every fault and waits until every device is up. */
  | { cmd: 'quiet' }
  | { cmd: 'snapshot' }
  | { cmd: 'stop' };

export interface WorldStarted {
  devices: WorldDevice[];
  haUrl: string;
}

export interface DeviceSnapshot {
  serial: string;
  activated: boolean;
  isUp: boolean;
  /** The admin password the device really has (null while inactive). */
  password: string | null;
  failedLoginsByIp: [string, number][];
  locksTriggered: number;
  lockRejections: number;
  factoryResets: number;
  reboots: number;
  passwordChanges: number;
  activations: number;
  requests: number;
  channels: { ipAddress: string; password: string }[];
}

export interface WorldSnapshot {
  devices: DeviceSnapshot[];
  /** `hik_guard_event`s Home Assistant received, by alert type. */
  haEvents: Record<string, number>;
  haConnections: number;
  haRestarts: number;
  rssMb: number;
}

export type WorldReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export type WorldMessage = { id: number; request: WorldRequest };
