/**
 * The one flow the global secrets canary test deploys: every hik guard node (hik-device,
 * hik-credentials, hik-discover, hik-reset, hik-homeassistant, hik-mqtt, hik-frigate and a Home
 * Assistant generic camera entry as holders of the camera's password) wired to debug nodes, a Catch and a
 * Status node, inject nodes the test presses, and two deliberate leaks that prove the capture
 * works: a hik-credentials node with "include new password" on (its own debug node) and a function
 * node that writes a non-secret marker to the log, its status, an error and a message.
 */
export interface CanaryDevice {
  id: string;
  name: string;
  host: string;
  port: number;
  serial: string;
  /** The enrolment password typed into the editor. */
  password: string;
}

export interface CanaryFlowInput {
  camera: CanaryDevice;
  recorder: CanaryDevice;
  /** Its enrolment password is wrong: the auth-failure scenario. */
  wrongPassword: CanaryDevice;
  /** Re-claim allowed: the test factory-resets it. */
  reclaimed: CanaryDevice;
  /** Managed by the node that includes the new password in its messages. */
  revealed: CanaryDevice;
  haUrl: string;
  haToken: string;
  /** A Frigate on its authenticated port (its admin login a canary), holder of the camera's password. */
  frigate: { url: string; user: string; password: string };
  /** A broker for hik-mqtt (its login a canary; Rotate now allowed), or none. */
  mqtt?: { url: string; user: string; password: string } | null;
  /** Not a secret: proves the log, status, Catch, debug and flow channels are captured. */
  marker: string;
}

export const TAB = 'canary-tab';
/** The debug node whose messages deliberately carry a password. */
export const PLANTED_DEBUG = 'dbg-planted';
export const INJECT = {
  rotateCamera: 'inj-rotate-camera',
  verifyCamera: 'inj-verify-camera',
  verifyWrong: 'inj-verify-wrong',
  badTopic: 'inj-bad-topic',
  rotateRevealed: 'inj-rotate-revealed',
  plant: 'inj-plant',
  scan: 'inj-scan',
} as const;

type FlowNode = Record<string, unknown>;

function debug(id: string): FlowNode {
  return {
    id,
    type: 'debug',
    z: TAB,
    name: id,
    active: true,
    tosidebar: true,
    console: false,
    tostatus: false,
    complete: 'true',
    targetType: 'full',
    wires: [],
  };
}

function inject(id: string, target: string, topic: string, payload: unknown): FlowNode {
  return {
    id,
    type: 'inject',
    z: TAB,
    name: id,
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    repeat: '',
    crontab: '',
    once: false,
    onceDelay: 0.1,
    topic,
    payload: JSON.stringify(payload),
    payloadType: 'json',
    wires: [[target]],
  };
}

function deviceConfig(device: CanaryDevice, allowHttpPasswordChange: boolean): FlowNode {
  return {
    id: device.id,
    type: 'hik-device',
    name: device.name,
    host: device.host,
    port: device.port,
    protocol: 'http',
    username: 'admin',
    serial: device.serial,
    allowHttpPasswordChange,
    // The streaming account is created at start: its password is a canary too (vault-secrets.ts).
    streamingAccount: allowHttpPasswordChange,
    version: 2,
    credentials: { password: device.password },
  };
}

function credentialsNode(id: string, devices: FlowNode[], includePassword: boolean, out: string): FlowNode {
  return {
    id,
    type: 'hik-credentials',
    z: TAB,
    name: id,
    devices,
    scheduleType: 'manual',
    everyDays: 90,
    windowStart: '03:00',
    windowEnd: '04:00',
    cron: '',
    jitterMinutes: 0,
    concurrency: 1,
    settleSeconds: 0,
    includePassword,
    version: 1,
    wires: [[out]],
  };
}

/**
 * The nodes to deploy, config nodes carrying their credentials as the editor sends them. Flow
 * nodes get a position: Node-RED takes a node without x/y for a config node.
 */
export function canaryFlow(input: CanaryFlowInput): FlowNode[] {
  return canaryNodes(input).map((node, i) => (node.z === TAB ? { x: 200, y: 40 + 40 * i, ...node } : node));
}

function canaryNodes(input: CanaryFlowInput): FlowNode[] {
  const { camera, recorder, wrongPassword, reclaimed, revealed } = input;
  const plant = [
    `node.warn(${JSON.stringify(input.marker)});`,
    `node.status({ fill: 'blue', shape: 'dot', text: ${JSON.stringify(input.marker)} });`,
    `node.error(${JSON.stringify(input.marker)}, msg);`,
    `return { payload: ${JSON.stringify(input.marker)} };`,
  ].join('\n');
  return [
    { id: TAB, type: 'tab', label: 'secrets canary' },
    {
      ...deviceConfig(camera, true),
      // The HA entry's flow forms carry the camera's old password as suggested values.
      consumers: [
        { type: 'frigate', config: 'frig', account: 'admin' },
        { type: 'homeassistant', config: 'ha', domain: 'generic', entry: 'Porch', account: 'admin' },
      ],
    },
    {
      id: 'frig',
      type: 'hik-frigate',
      name: 'frigate',
      url: input.frigate.url,
      verifyTls: true,
      restartAfterUpdate: true,
      version: 1,
      credentials: { username: input.frigate.user, password: input.frigate.password },
    },
    deviceConfig(recorder, true),
    deviceConfig(wrongPassword, true),
    deviceConfig(reclaimed, true),
    deviceConfig(revealed, true),
    {
      id: 'ha',
      type: 'hik-homeassistant',
      name: 'home',
      url: input.haUrl,
      verifyTls: true,
      ca: '',
      notifications: true,
      notifyService: '',
      version: 1,
      credentials: { token: input.haToken },
    },
    credentialsNode(
      'creds',
      [
        { device: camera.id, recorder: false },
        { device: recorder.id, recorder: true },
        { device: wrongPassword.id, recorder: false },
        { device: reclaimed.id, recorder: false },
      ],
      false,
      'dbg-creds',
    ),
    credentialsNode('creds-revealing', [{ device: revealed.id, recorder: false }], true, PLANTED_DEBUG),
    {
      id: 'discover',
      type: 'hik-discover',
      z: TAB,
      name: 'discover',
      interfaces: '127.0.0.1',
      targets: [camera, recorder, reclaimed].map((d) => d.host).join(', '),
      windowMs: 1000,
      intervalSeconds: 0,
      passive: true,
      goneAfterSeconds: 60,
      sendList: false,
      outputs: 1,
      version: 1,
      wires: [['reset', 'dbg-discover']],
    },
    {
      id: 'reset',
      type: 'hik-reset',
      z: TAB,
      name: 'reset',
      devices: [
        { device: camera.id, reclaim: false, recorder: false },
        { device: reclaimed.id, reclaim: true, recorder: false },
      ],
      listed: '',
      server: 'ha',
      mqtt: input.mqtt ? 'mq' : '',
      pollSeconds: 1,
      passive: true,
      interfaces: '127.0.0.1',
      offlineAfter: 3,
      version: 2,
      wires: [['dbg-reset'], ['dbg-fleet']],
    },
    ...(input.mqtt
      ? [
          {
            id: 'mq',
            type: 'hik-mqtt',
            name: 'broker',
            url: input.mqtt.url,
            verifyTls: true,
            ca: '',
            clientId: '',
            discoveryPrefix: 'homeassistant',
            baseTopic: 'hik_guard',
            allowActions: true,
            actionSerials: '',
            removeAfterSeconds: 300,
            version: 1,
            credentials: { user: input.mqtt.user, password: input.mqtt.password },
          },
        ]
      : []),
    inject(INJECT.rotateCamera, 'creds', 'rotate', { serial: camera.serial }),
    inject(INJECT.verifyCamera, 'creds', 'verify', { serial: camera.serial }),
    inject(INJECT.verifyWrong, 'creds', 'verify', { serial: wrongPassword.serial }),
    inject(INJECT.badTopic, 'creds', 'reboot', {}),
    inject(INJECT.rotateRevealed, 'creds-revealing', 'rotate', { serial: revealed.serial }),
    inject(INJECT.plant, 'plant', 'plant', {}),
    inject(INJECT.scan, 'discover', 'scan', {}),
    { id: 'plant', type: 'function', z: TAB, name: 'plant', func: plant, outputs: 1, wires: [['dbg-plant']] },
    {
      id: 'catch',
      type: 'catch',
      z: TAB,
      name: 'catch all',
      scope: null,
      uncaught: false,
      wires: [['dbg-catch']],
    },
    { id: 'status', type: 'status', z: TAB, name: 'status all', scope: null, wires: [['dbg-status']] },
    ...[
      'dbg-creds',
      PLANTED_DEBUG,
      'dbg-discover',
      'dbg-reset',
      'dbg-fleet',
      'dbg-plant',
      'dbg-catch',
      'dbg-status',
    ].map(debug),
  ];
}
