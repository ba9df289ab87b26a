/**
 * The example flows (examples/*.json) re-targeted for a demo or a test: their `hik-device` nodes
 * point at the given devices (one config node per camera: example devices of the same name are the
 * same camera, so "Front door" in 03 and 04 is one device, watched by both and re-claimed by 04),
 * SADP stays on the given interfaces (loopback for the simulator), only the first example's
 * discovery scans (the others listen), and Home Assistant is the given one or, without one, left
 * out entirely (a placeholder URL such as homeassistant.local must never be looked up from a
 * demo). With a broker, every hik-reset selects one hik-mqtt node for it. Pure apart from reading
 * the files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoMqttNode, type DemoMqtt } from './demo-settings';

type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface DemoTarget {
  host: string;
  port: number;
  protocol: 'http' | 'https';
  serial: string | null;
  name?: string;
}

export interface DemoFlowOptions {
  examplesDir: string;
  /** Devices the examples' hik-device nodes are pointed at, in turn. */
  devices: readonly DemoTarget[];
  /** Enrolment password for every hik-device node. */
  password: string | null;
  /** SADP interfaces of hik-discover and hik-reset (comma separated), e.g. `127.0.0.1`. */
  interfaces: string;
  /** hik-reset activation poll interval. */
  pollSeconds?: number;
  ha?: { url: string; token: string } | null;
  /** A broker: every hik-reset publishes the fleet there (Home Assistant MQTT discovery). */
  mqtt?: DemoMqtt | null;
}

export interface DemoFlows {
  flows: FlowNode[];
  credentials: Record<string, Record<string, string>>;
  examples: string[];
}

export function exampleFiles(examplesDir: string): string[] {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function demoFlows(options: DemoFlowOptions): DemoFlows {
  const flows: FlowNode[] = [];
  const credentials: Record<string, Record<string, string>> = {};
  const examples = exampleFiles(options.examplesDir);
  /** hik-device config node id by example device name, and what each example id became. */
  const deviceByName = new Map<string, string>();
  const sameDevice = new Map<string, string>();
  let scanning = false;
  for (const file of examples) {
    const nodes = JSON.parse(readFileSync(join(options.examplesDir, file), 'utf8')) as FlowNode[];
    const haIds = new Set(nodes.filter((n) => n.type === 'hik-homeassistant').map((n) => n.id));
    for (const node of nodes) {
      if (node.type === 'hik-homeassistant') {
        if (!options.ha) continue;
        flows.push({ ...node, url: options.ha.url });
        credentials[node.id] = { token: options.ha.token };
        continue;
      }
      if (node.type === 'hik-device') {
        const name = typeof node.name === 'string' ? node.name : node.id;
        const known = deviceByName.get(name);
        if (known) {
          sameDevice.set(node.id, known);
          continue;
        }
        const target = options.devices[deviceByName.size % Math.max(options.devices.length, 1)];
        if (!target) continue;
        deviceByName.set(name, node.id);
        flows.push({
          ...node,
          host: target.host,
          port: target.port,
          protocol: target.protocol,
          serial: target.serial ?? '',
          // The simulator has no HTTPS when serving plain HTTP: allow its rotation there.
          allowHttpPasswordChange: target.protocol === 'http',
          ...(target.name ? { name: target.name } : {}),
        });
        if (options.password) credentials[node.id] = { password: options.password };
        continue;
      }
      const copy: FlowNode = { ...node };
      if (node.type === 'hik-discover' || node.type === 'hik-reset') copy.interfaces = options.interfaces;
      if (node.type === 'hik-discover') {
        // One discovery scans the (one) fleet; the others listen for announcements only.
        if (scanning) copy.intervalSeconds = 0;
        scanning = true;
      }
      if (node.type === 'hik-reset') {
        if (typeof node.server === 'string' && haIds.has(node.server) && !options.ha) {
          copy.server = '';
          // Short: a longer label runs into the node beside it on the canvas.
          copy.name = `${typeof node.name === 'string' && node.name ? node.name : 'watch'} (no HA)`;
        }
        if (options.pollSeconds !== undefined) copy.pollSeconds = options.pollSeconds;
        if (options.mqtt) copy.mqtt = demoMqttNode(options.mqtt).node.id;
      }
      flows.push(copy);
    }
  }
  if (options.mqtt) {
    const mqtt = demoMqttNode(options.mqtt);
    flows.push(mqtt.node);
    credentials[mqtt.node.id] = mqtt.credentials;
  }
  // The full device list every minute is noise in a demo: that debug node starts switched off.
  for (const node of flows) if (node.type === 'debug' && node.name === 'device list') node.active = false;
  for (const node of flows) {
    if (!Array.isArray(node.devices)) continue;
    node.devices = (node.devices as { device: string }[]).map((ref) => ({
      ...ref,
      device: sameDevice.get(ref.device) ?? ref.device,
    }));
  }
  return { flows, credentials, examples };
}
