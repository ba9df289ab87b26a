/**
 * `npm start`: the product on its embedded default. Starts the simulated fleet on loopback and a
 * local Node-RED (127.0.0.1:1880) with this package loaded and a `hik-device` config node per
 * simulated device. Nothing listens on or sends to a real interface. Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_ADMIN_PASSWORD, SimFleet, type SimDevice } from '../sim';
import { demoDiscoveryNodes } from './demo-discovery';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const USER_DIR = join(PACKAGE_ROOT, '.demo');
const EDITOR_PORT = Number(process.env.HIK_GUARD_DEMO_PORT ?? 1880);

async function main(): Promise<void> {
  const password = process.env.HIK_SIM_PASSWORD || DEMO_ADMIN_PASSWORD;
  const fleet = await SimFleet.start({ sadp: true });
  prepareUserDir(fleet.devices, password);
  const nodeRed = startNodeRed();

  console.log('Simulated fleet (loopback only):');
  for (const device of fleet.devices) {
    console.log(`  ${device.url}  ${device.profile.identity.model.padEnd(20)} ${device.serialNumber}`);
  }
  console.log(`Node-RED: http://127.0.0.1:${EDITOR_PORT}  (Ctrl-C stops everything)`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    nodeRed.kill('SIGINT');
    const force = setTimeout(() => nodeRed.kill('SIGKILL'), 10_000);
    nodeRed.once('exit', () => {
      clearTimeout(force);
      void fleet.stop().then(() => process.exit(0));
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  nodeRed.once('exit', (code) => {
    if (stopping) return;
    console.error(`Node-RED exited (${code ?? 'signal'}); stopping the fleet.`);
    void fleet.stop().then(() => process.exit(1));
  });
}

/** A throw-away Node-RED user directory that loads this package from the working tree. */
function prepareUserDir(devices: readonly SimDevice[], password: string): void {
  rmSync(USER_DIR, { recursive: true, force: true });
  mkdirSync(join(USER_DIR, 'node_modules'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, join(USER_DIR, 'node_modules', 'node-red-contrib-hik-guard'), 'dir');
  writeFileSync(
    join(USER_DIR, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: EDITOR_PORT,
        flowFile: 'flows.json',
        // The demo's credentials are the simulator's documented ones; nothing real is stored.
        credentialSecret: false,
        telemetry: { enabled: false },
        editorTheme: { palette: { catalogues: [] }, tours: false },
        logging: { console: { level: 'info', metrics: false, audit: false } },
      },
      null,
      2,
    )};\n`,
  );
  const tab = { id: 'hik-demo-tab', type: 'tab', label: 'Hik Guard demo' };
  const comment = {
    id: 'hik-demo-comment',
    type: 'comment',
    z: tab.id,
    name: 'Simulated devices are configured as hik-device config nodes (see the Configuration nodes sidebar).',
    x: 380,
    y: 60,
    wires: [],
  };
  const configNodes = devices.map((device, i) => ({
    id: `hik-demo-device-${i + 1}`,
    type: 'hik-device',
    name: `${device.profile.identity.model} (sim)`,
    host: device.host,
    port: device.port,
    protocol: device.https ? 'https' : 'http',
    username: 'admin',
    serial: device.serialNumber,
  }));
  writeFileSync(
    join(USER_DIR, 'flows.json'),
    JSON.stringify([tab, comment, ...demoDiscoveryNodes(tab.id), ...configNodes], null, 2),
  );
  const credentials = Object.fromEntries(configNodes.map((n) => [n.id, { password }]));
  writeFileSync(join(USER_DIR, 'flows_cred.json'), JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

function startNodeRed(): ChildProcess {
  const redJs = require.resolve('node-red/red.js');
  return spawn(
    process.execPath,
    [redJs, '--userDir', USER_DIR, '--settings', join(USER_DIR, 'settings.js')],
    {
      stdio: 'inherit',
    },
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
