/**
 * The soak bench's knobs, from flags (`--minutes 3` or `--minutes=3`) or the environment
 * (`HIK_SOAK_MINUTES=3`); a flag wins. Defaults are the hour with 200 devices.
 */

export interface SoakOptions {
  /** Length of the chaos phase. */
  minutes: number;
  devices: number;
  /** NVRs among the devices, each recording `camerasPerNvr` of the cameras. */
  nvrs: number;
  camerasPerNvr: number;
  /** Every n-th device serves HTTPS (pinned on first use); 0 = none. */
  httpsEvery: number;
  seed: number;
  /** Progress line and memory sample. */
  reportEverySeconds: number;
  /** Each device's password is due this long after its last rotation. */
  rotateEveryMinutes: number;
  rotationConcurrency: number;
  settleMs: number;
  pollSeconds: number;
  /** One chaos decision this often. */
  chaosEveryMs: number;
  /** Mean time between Home Assistant restarts; 0 = none. */
  haRestartEveryMinutes: number;
  /** Quiet time after the chaos, for re-claims, retries and the last poll round. */
  drainSeconds: number;
}

interface Knob {
  key: keyof SoakOptions;
  flag: string;
  env: string;
  min: number;
  integer: boolean;
  help: string;
}

const KNOBS: readonly Knob[] = [
  {
    key: 'minutes',
    flag: 'minutes',
    env: 'HIK_SOAK_MINUTES',
    min: 0.1,
    integer: false,
    help: 'chaos phase length',
  },
  {
    key: 'devices',
    flag: 'devices',
    env: 'HIK_SOAK_DEVICES',
    min: 2,
    integer: true,
    help: 'simulated devices',
  },
  { key: 'nvrs', flag: 'nvrs', env: 'HIK_SOAK_NVRS', min: 0, integer: true, help: 'NVRs among them' },
  {
    key: 'camerasPerNvr',
    flag: 'cameras-per-nvr',
    env: 'HIK_SOAK_CAMERAS_PER_NVR',
    min: 0,
    integer: true,
    help: 'cameras recorded by each NVR',
  },
  {
    key: 'httpsEvery',
    flag: 'https-every',
    env: 'HIK_SOAK_HTTPS_EVERY',
    min: 0,
    integer: true,
    help: 'every n-th device on HTTPS (0 = none)',
  },
  { key: 'seed', flag: 'seed', env: 'HIK_SOAK_SEED', min: 0, integer: true, help: 'chaos seed' },
  {
    key: 'reportEverySeconds',
    flag: 'report-every',
    env: 'HIK_SOAK_REPORT_S',
    min: 1,
    integer: false,
    help: 'seconds between progress lines and memory samples',
  },
  {
    key: 'rotateEveryMinutes',
    flag: 'rotate-every',
    env: 'HIK_SOAK_ROTATE_MIN',
    min: 0.1,
    integer: false,
    help: 'minutes between rotations of one device',
  },
  {
    key: 'rotationConcurrency',
    flag: 'concurrency',
    env: 'HIK_SOAK_CONCURRENCY',
    min: 1,
    integer: true,
    help: 'rotations at once',
  },
  {
    key: 'settleMs',
    flag: 'settle-ms',
    env: 'HIK_SOAK_SETTLE_MS',
    min: 0,
    integer: true,
    help: 'wait between PUT and verify',
  },
  {
    key: 'pollSeconds',
    flag: 'poll',
    env: 'HIK_SOAK_POLL_S',
    min: 1,
    integer: false,
    help: 'activateStatus poll interval',
  },
  {
    key: 'chaosEveryMs',
    flag: 'chaos-every-ms',
    env: 'HIK_SOAK_CHAOS_MS',
    min: 50,
    integer: true,
    help: 'ms between chaos decisions',
  },
  {
    key: 'haRestartEveryMinutes',
    flag: 'ha-restart-every',
    env: 'HIK_SOAK_HA_RESTART_MIN',
    min: 0,
    integer: false,
    help: 'mean minutes between HA restarts (0 = none)',
  },
  {
    key: 'drainSeconds',
    flag: 'drain',
    env: 'HIK_SOAK_DRAIN_S',
    min: 0,
    integer: false,
    help: 'quiet seconds after the chaos',
  },
];

export const DEFAULT_SOAK_OPTIONS: Readonly<SoakOptions> = {
  minutes: 60,
  devices: 200,
  nvrs: 4,
  camerasPerNvr: 4,
  httpsEvery: 4,
  seed: 20261122,
  reportEverySeconds: 60,
  rotateEveryMinutes: 10,
  rotationConcurrency: 4,
  settleMs: 500,
  pollSeconds: 15,
  chaosEveryMs: 2000,
  haRestartEveryMinutes: 10,
  drainSeconds: 45,
};

export class SoakUsageError extends Error {}

export const SOAK_USAGE = [
  'npm run bench:soak -- [--name value]...   (or HIK_SOAK_* environment variables)',
  ...KNOBS.map(
    (k) => `  --${k.flag.padEnd(18)} ${k.env.padEnd(26)} ${k.help} (default ${DEFAULT_SOAK_OPTIONS[k.key]})`,
  ),
].join('\n');

export function parseSoakOptions(argv: readonly string[], env: NodeJS.ProcessEnv): SoakOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new SoakUsageError(`unexpected argument '${arg}'`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new SoakUsageError(`--${match[1]} needs a value`);
    flags.set(match[1], value);
  }
  const options: SoakOptions = { ...DEFAULT_SOAK_OPTIONS };
  for (const knob of KNOBS) {
    const raw = flags.get(knob.flag) ?? env[knob.env];
    flags.delete(knob.flag);
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < knob.min || (knob.integer && !Number.isInteger(value))) {
      throw new SoakUsageError(
        `--${knob.flag} (${knob.env}) must be ${knob.integer ? 'a whole number' : 'a number'} >= ${knob.min}, not '${raw}'`,
      );
    }
    options[knob.key] = value;
  }
  const unknown = [...flags.keys()];
  if (unknown.length > 0) throw new SoakUsageError(`unknown option --${unknown.join(', --')}`);
  if (options.nvrs * (options.camerasPerNvr + 1) > options.devices) {
    throw new SoakUsageError('nvrs × (cameras-per-nvr + 1) must not exceed devices');
  }
  return options;
}
