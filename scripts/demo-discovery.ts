/**
 * The demo flow's discovery part: a hik-discover node on loopback only (where the simulated fleet
 * answers SADP) wired to a debug node. Kept apart from demo.ts so the containment test can check
 * the demo's interface choice without starting anything.
 */

/** Loopback only: the demo must never probe or join a group on a real interface. */
export const DEMO_DISCOVERY_INTERFACES = '127.0.0.1';

export function demoDiscoveryNodes(tabId: string): Record<string, unknown>[] {
  return [
    {
      id: 'hik-demo-discover',
      type: 'hik-discover',
      z: tabId,
      name: 'Simulated fleet (loopback)',
      interfaces: DEMO_DISCOVERY_INTERFACES,
      targets: '',
      windowMs: 1500,
      intervalSeconds: 30,
      passive: true,
      goneAfterSeconds: 45,
      sendList: false,
      outputs: 1,
      version: 1,
      x: 200,
      y: 140,
      wires: [['hik-demo-discover-debug']],
    },
    {
      id: 'hik-demo-discover-debug',
      type: 'debug',
      z: tabId,
      name: 'discovery events',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'true',
      targetType: 'full',
      statusVal: 'topic',
      statusType: 'msg',
      x: 470,
      y: 140,
      wires: [],
    },
  ];
}
