/**
 * `npm start`: the product on its embedded default. Starts the simulated fleet on loopback and a
 * local Node-RED (127.0.0.1, own userDir under the project) with this package loaded, a
 * `hik-device` config node per simulated device, a loopback hik-discover and the examples
 * deployed against the simulator. Ctrl-C or SIGTERM stops everything.
 *
 * Environment:
 *   PORT                    editor port (default 1880)
 *   HA_URL, HA_TOKEN        connect the demo flows to a real Home Assistant
 *   HIK_GUARD_TARGETS       addr[,addr…]: watch these real devices instead of the simulator
 *                           (SADP to each, then activation polling of each device found)
 *   HIK_GUARD_POLL_SECONDS  activation poll interval (default 60)
 *   HIK_GUARD_INTERFACES    with HIK_GUARD_TARGETS: the local interface(s) to use (default: the
 *                           one that routes to the first target)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_ADMIN_PASSWORD, SimFleet } from '../sim';
import { DEMO_DISCOVERY_INTERFACES, demoDiscoveryNodes } from './demo-discovery';
import { demoFlows, type DemoTarget } from './demo-flows';
import { demoSettings, localAddressFor, watchTargetNodes } from './demo-settings';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
/** Node-RED's user directory for the demo (tests point it elsewhere). */
const USER_DIR = process.env.HIK_GUARD_DEMO_DIR || join(PACKAGE_ROOT, '.demo');

async function main(): Promise<void> {
  const settings = demoSettings(process.env);
  const password = process.env.HIK_SIM_PASSWORD || DEMO_ADMIN_PASSWORD;
  const fleet = settings.targets.length > 0 ? null : await SimFleet.start({ sadp: true });
  const tab = { id: 'hik-demo-tab', type: 'tab', label: 'Hik Guard demo' };
  let flows: Record<string, unknown>[];
  let credentials: Record<string, Record<string, string>>;
  if (fleet) {
    const targets: DemoTarget[] = fleet.devices.map((device) => {
      if (device.host === null || device.port === null) {
        throw new Error(`simulated device ${device.serialNumber} is not listening`);
      }
      return {
        host: device.host,
        port: device.port,
        protocol: device.https ? 'https' : 'http',
        serial: device.serialNumber,
        name: `${device.profile.identity.model} (sim)`,
      };
    });
    const examples = demoFlows({
      examplesDir: join(PACKAGE_ROOT, 'examples'),
      devices: targets,
      password,
      interfaces: DEMO_DISCOVERY_INTERFACES,
      pollSeconds: settings.pollSeconds,
      ha: settings.ha,
    });
    flows = [tab, ...demoDiscoveryNodes(tab.id), ...examples.flows];
    credentials = examples.credentials;
    console.log('Simulated fleet (loopback only):');
    for (const device of fleet.devices) {
      console.log(`  ${device.url}  ${device.profile.identity.model.padEnd(20)} ${device.serialNumber}`);
    }
    console.log(`Examples deployed: ${examples.examples.join(', ')}`);
  } else {
    const [first = ''] = settings.targets;
    const interfaces = process.env.HIK_GUARD_INTERFACES || (await localAddressFor(first));
    const watch = watchTargetNodes(tab.id, settings, interfaces);
    flows = [tab, ...watch.flows];
    credentials = watch.credentials;
    console.log(
      `Watching ${settings.targets.join(', ')} every ${settings.pollSeconds} s from ${interfaces} (no simulator).`,
    );
  }
  if (settings.ha) console.log(`Home Assistant: ${settings.ha.url}`);
  prepareUserDir(settings.port, flows, credentials);
  const nodeRed = startNodeRed();
  console.log(`Node-RED editor: http://127.0.0.1:${settings.port}  (Ctrl-C stops everything)`);

  let stopping = false;
  const stopFleet = (): Promise<void> => fleet?.stop() ?? Promise.resolve();
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    nodeRed.kill('SIGINT');
    const force = setTimeout(() => nodeRed.kill('SIGKILL'), 10_000);
    nodeRed.once('exit', () => {
      clearTimeout(force);
      void stopFleet().then(() => process.exit(0));
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  nodeRed.once('exit', (code) => {
    if (stopping) return;
    console.error(`Node-RED exited (${code ?? 'signal'}); stopping.`);
    void stopFleet().then(() => process.exit(1));
  });
}

/** A throw-away Node-RED user directory that loads this package from the working tree. */
function prepareUserDir(
  port: number,
  flows: Record<string, unknown>[],
  credentials: Record<string, Record<string, string>>,
): void {
  rmSync(USER_DIR, { recursive: true, force: true });
  mkdirSync(join(USER_DIR, 'node_modules'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, join(USER_DIR, 'node_modules', 'node-red-contrib-hik-guard'), 'dir');
  writeFileSync(
    join(USER_DIR, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        // Keys the vault; a demo-only value in a throw-away folder (never reuse it).
        credentialSecret: 'hik-guard-demo-only',
        telemetry: { enabled: false },
        editorTheme: { palette: { catalogues: [] }, tours: false },
        logging: { console: { level: 'info', metrics: false, audit: false } },
      },
      null,
      2,
    )};\n`,
  );
  writeFileSync(join(USER_DIR, 'flows.json'), JSON.stringify(flows, null, 2));
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
