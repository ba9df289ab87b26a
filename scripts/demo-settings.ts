/**
 * The demo's environment, read and checked in one place, and the flow it deploys when told to
 * watch real devices (HIK_GUARD_TARGETS) instead of the simulator: a hik-discover probing each
 * target by unicast (and listening for their Hellos) on the one interface that faces them, feeding a hik-reset that polls the activation state of every device found and
 * tells Home Assistant (HA_URL + HA_TOKEN) about changes, and publishes every device to an MQTT
 * broker for Home Assistant's MQTT discovery (MQTT_URL, with MQTT_USERNAME / MQTT_PASSWORD).
 */
import { createSocket } from 'node:dgram';

export interface DemoSettings {
  port: number;
  pollSeconds: number;
  targets: string[];
  ha: { url: string; token: string } | null;
  /** The broker the fleet is published to (Home Assistant MQTT discovery), or null. */
  mqtt: DemoMqtt | null;
}

export interface DemoMqtt {
  url: string;
  username: string;
  password: string;
}

/** The hik-mqtt config node for `mqtt` (id `hik-demo-mqtt`) and its credentials. */
export function demoMqttNode(mqtt: DemoMqtt): {
  node: Record<string, unknown> & { id: string; type: string };
  credentials: Record<string, string>;
} {
  return {
    node: {
      id: MQTT_NODE_ID,
      type: 'hik-mqtt',
      name: 'MQTT broker',
      url: mqtt.url,
      verifyTls: true,
      ca: '',
      clientId: '',
      discoveryPrefix: 'homeassistant',
      baseTopic: 'hik_guard',
      allowActions: false,
      actionSerials: '',
      removeAfterSeconds: 300,
      version: 1,
    },
    credentials: { user: mqtt.username, password: mqtt.password },
  };
}

export const MQTT_NODE_ID = 'hik-demo-mqtt';

type Env = Readonly<Record<string, string | undefined>>;

function whole(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

export function demoSettings(env: Env): DemoSettings {
  const url = env.HA_URL?.trim() ?? '';
  const token = env.HA_TOKEN ?? '';
  if ((url === '') !== (token === '')) throw new Error('set both HA_URL and HA_TOKEN, or neither');
  const mqttUrl = env.MQTT_URL?.trim() ?? '';
  if (mqttUrl !== '' && !/^mqtts?:\/\/[^\s/@]+\/?$/.test(mqttUrl))
    throw new Error(
      'MQTT_URL must look like mqtt://host:1883 or mqtts://host:8883 (user and password go in MQTT_USERNAME, MQTT_PASSWORD)',
    );
  return {
    // 0 = any free port (Node-RED prints the one it got).
    port: whole(env.PORT ?? env.HIK_GUARD_DEMO_PORT, 'PORT', 1880, 0, 65535),
    pollSeconds: whole(env.HIK_GUARD_POLL_SECONDS, 'HIK_GUARD_POLL_SECONDS', 60, 1, 86400),
    targets: (env.HIK_GUARD_TARGETS ?? '').split(/[\s,]+/).filter(Boolean),
    ha: url ? { url, token } : null,
    mqtt: mqttUrl
      ? { url: mqttUrl, username: env.MQTT_USERNAME ?? '', password: env.MQTT_PASSWORD ?? '' }
      : null,
  };
}

/**
 * The local address this machine would use to reach `target`: the one interface the watch mode
 * talks SADP on. A UDP connect() only picks a route, it sends nothing.
 */
export async function localAddressFor(target: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(37020, target, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

/** `interfaces`: the local address(es) facing the targets (never empty: that would mean all). */
export function watchTargetNodes(
  tabId: string,
  settings: DemoSettings,
  interfaces: string,
): { flows: Record<string, unknown>[]; credentials: Record<string, Record<string, string>> } {
  const haId = 'hik-demo-ha';
  const flows: Record<string, unknown>[] = [
    {
      id: 'hik-demo-watch-discover',
      type: 'hik-discover',
      z: tabId,
      name: 'watched devices',
      interfaces,
      targets: settings.targets.join(', '),
      windowMs: 1500,
      intervalSeconds: settings.pollSeconds,
      passive: true,
      goneAfterSeconds: Math.max(3 * settings.pollSeconds, 45),
      sendList: false,
      outputs: 1,
      version: 1,
      x: 170,
      y: 100,
      wires: [['hik-demo-watch-reset']],
    },
    {
      id: 'hik-demo-watch-reset',
      type: 'hik-reset',
      z: tabId,
      name: 'activation watch',
      devices: [],
      listed: '',
      server: settings.ha ? haId : '',
      mqtt: settings.mqtt ? MQTT_NODE_ID : '',
      pollSeconds: settings.pollSeconds,
      passive: true,
      interfaces,
      offlineAfter: 3,
      version: 2,
      x: 400,
      y: 100,
      wires: [['hik-demo-watch-debug'], []],
    },
    {
      id: 'hik-demo-watch-debug',
      type: 'debug',
      z: tabId,
      name: 'state changes',
      active: true,
      tosidebar: true,
      console: true,
      complete: 'true',
      targetType: 'full',
      x: 630,
      y: 100,
      wires: [],
    },
  ];
  const credentials: Record<string, Record<string, string>> = {};
  if (settings.ha) {
    flows.push({
      id: haId,
      type: 'hik-homeassistant',
      name: 'Home Assistant',
      url: settings.ha.url,
      verifyTls: true,
      ca: '',
      notifications: true,
      notifyService: '',
      version: 1,
    });
    credentials[haId] = { token: settings.ha.token };
  }
  if (settings.mqtt) {
    const mqtt = demoMqttNode(settings.mqtt);
    flows.push(mqtt.node);
    credentials[mqtt.node.id] = mqtt.credentials;
  }
  return { flows, credentials };
}
