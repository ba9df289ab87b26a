/**
 * `hik-guard sim`: runs a simulated fleet (ISAPI and SADP) on loopback until SIGINT/SIGTERM,
 * printing one line per device. The admin password comes from an environment variable (HIK_SIM_PASSWORD, or the one named
 * by --password-env) or is the documented demo password; it is never printed.
 */
import { parseArgs } from 'node:util';
import { DEMO_ADMIN_PASSWORD, demoFleet } from './demo-fleet';
import { isLoopbackAddress, loopbackAddressAt } from './loopback-address';
import { passwordRejection } from './password-rules';
import { DEFAULT_BASE_ADDRESS, SimFleet } from './sim-fleet';
import { untilStopped } from '../lib/until-stopped';
// The help layout all hik-guard commands share (a leaf module: it imports nothing).
import { shortUsage, type CommandHelp } from '../cli/command-help';

const MAX_DEVICES = 200;

export const SIM_HELP: CommandHelp = {
  name: 'sim',
  forms: ['sim [--devices N] [--base-address ADDR] [--port N] [--https] [--password-env VAR]'],
  short: 'sim [options]',
  about: `Runs a simulated Hikvision fleet on loopback until Ctrl-C (SIGINT or SIGTERM): cameras of
    different firmware generations and, from two devices on, an NVR recording them, each on its own
    loopback address, answering ISAPI (digest login, illegal-login lock, activation, factory reset) and
    SADP, and RTSP (the login of stream consumers) on port 554 (8554 when not root; with --port 0, a
    free port). Prints one line per device: serial, model, type, URL, RTSP URL. Nothing listens outside 127.0.0.0/8.

    The admin password is read from HIK_SIM_PASSWORD (or the variable --password-env names), else it is
    the demo password documented in the README; it is never printed.`,
  options: [
    ['--devices N', `how many devices, 1 to ${MAX_DEVICES}, default 4 (from 2 on, the last one is an NVR)`],
    [
      '--base-address ADDR',
      `the first device's address, default ${DEFAULT_BASE_ADDRESS}; the others follow it, all inside 127.0.0.0/8`,
    ],
    [
      '--port N',
      'the port every device listens on; default 80 (443 with --https) as root, else 8080 (8443); 0 picks a free port per device',
    ],
    ['--https', 'serve HTTPS with self-signed certificates made at start (new ones every run)'],
    [
      '--password-env VAR',
      'the admin password (8-16 characters of 2 kinds or more) from environment variable VAR',
    ],
  ],
  exitCodes: [
    [0, 'stopped'],
    [1, 'the fleet could not start (an address or port in use, or not allowed)'],
    [2, 'usage error'],
  ],
};

export interface SimCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Stops the fleet like SIGINT does (for tests and embedding). */
  stopSignal?: AbortSignal;
}

export async function runSimCommand(argv: string[], io: SimCommandIo): Promise<number> {
  const env = io.env ?? process.env;
  let settings: {
    devices: number;
    base: string;
    port: number | undefined;
    https: boolean;
    password: string;
    source: string;
  };
  try {
    settings = readSettings(argv, env);
  } catch (err) {
    io.stderr.write(
      `hik-guard sim: ${err instanceof Error ? err.message : String(err)}\n${shortUsage(SIM_HELP)}\n`,
    );
    return 2;
  }

  let fleet: SimFleet;
  try {
    fleet = await SimFleet.start({
      devices: demoFleet(settings.devices, settings.password),
      baseAddress: settings.base,
      https: settings.https,
      // Each device also answers SADP on its own loopback address, so `hik-guard discover` finds it.
      sadp: true,
      port: settings.port,
    });
  } catch (err) {
    io.stderr.write(
      `hik-guard sim: could not start the fleet: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  for (const d of fleet.devices) {
    const { serialNumber, model, deviceType } = d.profile.identity;
    io.stdout.write(`${serialNumber}  ${model}  ${deviceType}  ${d.url}  ${d.streamUrl()}\n`);
  }
  io.stdout.write(`admin password: ${settings.source}. Stop with Ctrl-C.\n`);
  await untilStopped(io.stopSignal);
  await fleet.stop();
  io.stdout.write('simulated fleet stopped\n');
  return 0;
}

function readSettings(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      devices: { type: 'string' },
      'base-address': { type: 'string' },
      port: { type: 'string' },
      https: { type: 'boolean' },
      'password-env': { type: 'string' },
    },
  });
  const devices = integerOption('--devices', values.devices ?? '4', 1, MAX_DEVICES);
  const base = values['base-address'] ?? DEFAULT_BASE_ADDRESS;
  if (!isLoopbackAddress(base) || loopbackAddressAt(base, devices - 1) === null) {
    throw new Error(
      `--base-address must leave room for ${devices} addresses inside 127.0.0.0/8; the simulator never binds a real interface`,
    );
  }
  const port = values.port === undefined ? undefined : integerOption('--port', values.port, 0, 65535);
  const variable = values['password-env'] ?? 'HIK_SIM_PASSWORD';
  const fromEnv = env[variable];
  if (values['password-env'] !== undefined && !fromEnv)
    throw new Error(`environment variable ${variable} is not set`);
  const password = fromEnv || DEMO_ADMIN_PASSWORD;
  if (passwordRejection('admin', password) !== null) {
    throw new Error(
      `the password in ${variable} breaks the device password rules (8-16 characters, 2 kinds or more)`,
    );
  }
  const source = fromEnv
    ? `from ${variable}`
    : 'the documented demo password (set HIK_SIM_PASSWORD to choose one)';
  return { devices, base, port, https: values.https ?? false, password, source };
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}
