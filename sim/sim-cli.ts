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

export const SIM_USAGE =
  'Usage: hik-guard sim [--devices N] [--base-address 127.0.0.11] [--port N] [--https] [--password-env VAR]';

export interface SimCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Stops the fleet like SIGINT does (for tests and embedding). */
  stopSignal?: AbortSignal;
}

const MAX_DEVICES = 200;

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
    io.stderr.write(`hik-guard sim: ${err instanceof Error ? err.message : String(err)}\n\n${SIM_USAGE}\n`);
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
    io.stdout.write(`${serialNumber}  ${model}  ${deviceType}  ${d.url}\n`);
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
