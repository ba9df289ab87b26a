/**
 * `npm start`: the product on its embedded default. Starts the simulated fleet on loopback and a
 * local Node-RED (127.0.0.1, own userDir under the project) with this package loaded, a
 * `hik-device` config node per simulated device, a loopback hik-discover and the examples
 * deployed against the simulator. The editor URL is printed once the editor answers, with what to
 * try next. Ctrl-C, SIGTERM, or the end of the process that started it (npm's `sh -c`) stops
 * everything.
 *
 * Environment:
 *   PORT                    editor port (default 1880; 0 = any free one); a busy port ends the
 *                           demo before anything starts
 *   HA_URL, HA_TOKEN        connect the demo flows to a real Home Assistant
 *   MQTT_URL                publish every device to this broker for Home Assistant's MQTT
 *                           discovery (MQTT_USERNAME, MQTT_PASSWORD: its login, when given)
 *   HIK_GUARD_TARGETS       addr[,addr…]: watch these real devices instead of the simulator
 *                           (SADP to each, then activation polling of each device found)
 *   HIK_GUARD_POLL_SECONDS  activation poll interval (default 60)
 *   HIK_GUARD_INTERFACES    with HIK_GUARD_TARGETS: the local interface(s) to use (default: the
 *                           one that routes to the first target)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DEMO_ADMIN_PASSWORD, SimFleet, type SimDevice } from '../sim';
import { DEMO_DISCOVERY_INTERFACES, demoStartNodes } from './demo-discovery';
import { demoFlows, type DemoTarget } from './demo-flows';
import { demoHints, type DemoHintDevice } from './demo-hints';
import { freePort, portProblem, waitForEditor, watchParent } from './demo-process';
import { demoSettings, localAddressFor, watchTargetNodes } from './demo-settings';
import { prepareDemoUserDir } from './demo-user-dir';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
/** Node-RED's user directory for the demo (tests point it elsewhere). */
const USER_DIR = process.env.HIK_GUARD_DEMO_DIR || join(PACKAGE_ROOT, '.demo');

async function main(): Promise<void> {
  const settings = demoSettings(process.env);
  // Before anything starts: a busy port ends the demo here, naming PORT (printed by the catch below).
  const busy = settings.port === 0 ? null : await portProblem(settings.port);
  if (busy) throw new Error(busy);
  const port = settings.port === 0 ? await freePort() : settings.port;
  const password = process.env.HIK_SIM_PASSWORD || DEMO_ADMIN_PASSWORD;
  const fleet = settings.targets.length > 0 ? null : await SimFleet.start({ sadp: true });
  const tab = { id: 'hik-demo-tab', type: 'tab', label: 'Start here' };
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
      mqtt: settings.mqtt,
    });
    flows = [tab, ...demoStartNodes(tab.id), ...examples.flows];
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
  if (settings.mqtt) console.log(`MQTT broker (Home Assistant discovery): ${settings.mqtt.url}`);
  prepareDemoUserDir({ dir: USER_DIR, packageRoot: PACKAGE_ROOT, port, flows, credentials });
  const nodeRed = startNodeRed();
  const exited = new Promise<number | null>((done) => nodeRed.once('exit', (code) => done(code)));

  let stopping = false;
  const stopFleet = (): Promise<void> => fleet?.stop() ?? Promise.resolve();
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    nodeRed.kill('SIGINT');
    const force = setTimeout(() => nodeRed.kill('SIGKILL'), 10_000);
    void exited.then(() => {
      clearTimeout(force);
      void stopFleet().then(() => process.exit(0));
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  watchParent(stop);
  void exited.then((code) => {
    if (stopping) return;
    console.error(`Node-RED exited (${code ?? 'signal'}); stopping.`);
    void stopFleet().then(() => process.exit(1));
  });

  const editorUrl = `http://127.0.0.1:${port}`;
  const outcome = await waitForEditor(`${editorUrl}/`, exited);
  // Node-RED gone, or a stop begun meanwhile (it has been signalled): no URL, no hints.
  if (outcome === 'exited' || nodeRed.killed) return;
  if (outcome === 'timeout') {
    console.error(`The Node-RED editor did not answer at ${editorUrl} within 60 s; stopping.`);
    stop();
    return;
  }
  const hints = fleet ? simulatorHints(fleet, editorUrl) : null;
  console.log(`\n${(hints ?? [`Node-RED editor: ${editorUrl}  (Ctrl-C stops everything)`]).join('\n')}\n`);
}

/**
 * The devices the hints name, by the examples' use of the fleet (each named example device takes
 * the next simulated one): 02 rotates the first camera; 03 watches the second ("Front door") and
 * the third; 04 enrols and re-claims the second. So the reset goes to the second camera (the
 * whole story: inactive, re-claimed, active), the CLI asks the third, whose password never changes.
 */
function simulatorHints(fleet: SimFleet, editorUrl: string): string[] | null {
  const [, resetCamera, cliCamera] = fleet.devices.map(hintDevice);
  if (!resetCamera || !cliCamera) return null;
  return demoHints({
    editorUrl,
    resetCamera,
    cliCamera,
    passwordFromEnv: Boolean(process.env.HIK_SIM_PASSWORD),
    demoPassword: DEMO_ADMIN_PASSWORD,
    vaultFile: typedPath(join(USER_DIR, 'hik-guard', 'vault.json')),
  });
}

/** A path as short as a user types it: relative to where npm start runs when inside it. */
function typedPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

function hintDevice(device: SimDevice): DemoHintDevice | null {
  if (device.host === null || device.port === null) return null;
  return { host: device.host, port: device.port, serial: device.serialNumber };
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
