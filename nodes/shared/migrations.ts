/**
 * Versioned node configurations. Every node type keeps a chain of pure `{ version, up }` steps;
 * its constructor runs `migrate(def, chain)` before reading anything, and registers the chain's
 * `current` as an exported setting (`<camelCasedType>Version`) so the editor stamps new nodes
 * with it. A config without `version` is version 0. A field never changes meaning: a step may
 * add fields or move a value to a new field, never reinterpret an old one.
 */
import { InvalidArgumentError } from '../../lib/errors';

export type NodeConfig = Readonly<Record<string, unknown>>;

export interface Migration {
  /** The version this step produces; it runs on configs older than this. */
  readonly version: number;
  /** Pure: returns a new object, never mutates its input. `version` is set by `migrate`. */
  up(config: NodeConfig): Record<string, unknown>;
}

export interface MigrationChain {
  readonly current: number;
  readonly steps: readonly Migration[];
}

/** Checks that steps are numbered 1, 2, 3… with no gap, so a missing step fails at load. */
export function defineMigrations(steps: readonly Migration[]): MigrationChain {
  steps.forEach((step, index) => {
    if (step.version !== index + 1) {
      throw new InvalidArgumentError(
        `migration steps must be numbered 1, 2, 3…; step ${index + 1} says version ${step.version}`,
      );
    }
  });
  return Object.freeze({ current: steps.length, steps: Object.freeze([...steps]) });
}

/** The version a stored config claims: missing means 0; anything but a whole number >= 0 throws. */
export function configVersion(config: NodeConfig): number {
  const version = config.version;
  if (version === undefined || version === null || version === '') return 0;
  const parsed = typeof version === 'string' ? Number(version) : version;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError('config version must be a whole number >= 0');
  }
  return parsed;
}

/** A config saved by a newer release of this package than the one running. */
export class NewerConfigVersionError extends InvalidArgumentError {
  constructor(
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(`config version ${foundVersion} is newer than this release supports (${supportedVersion})`);
  }
}

/** Runs every step newer than the config's version, in order; returns a new object. */
export function migrate(config: NodeConfig, chain: MigrationChain): Record<string, unknown> {
  const from = configVersion(config);
  if (from > chain.current) throw new NewerConfigVersionError(from, chain.current);
  let migrated: Record<string, unknown> = { ...config };
  for (const step of chain.steps) {
    if (step.version > from) migrated = { ...step.up(migrated), version: step.version };
  }
  return migrated;
}

/**
 * The usual first step (0 -> 1): a config from before versioning gets each missing field's
 * default. Defaults are copied per config, so no two nodes share an array or object.
 */
export function fillDefaults(defaults: Readonly<Record<string, unknown>>): Migration {
  return {
    version: 1,
    up(config) {
      const filled: Record<string, unknown> = { ...config };
      for (const [field, value] of Object.entries(defaults))
        filled[field] = config[field] ?? structuredClone(value);
      return filled;
    },
  };
}

// ---- hik-device -------------------------------------------------------------------------------

export const HIK_DEVICE_DEFAULT_PORTS = Object.freeze({ https: 443, http: 80 });

/** 0 -> 1: configs from before versioning get every missing field's default. */
const hikDeviceV1: Migration = {
  version: 1,
  up(config) {
    const protocol = config.protocol ?? 'https';
    return {
      ...config,
      name: config.name ?? '',
      protocol,
      port:
        config.port ?? (protocol === 'http' ? HIK_DEVICE_DEFAULT_PORTS.http : HIK_DEVICE_DEFAULT_PORTS.https),
      username: config.username ?? 'admin',
      serial: config.serial ?? '',
    };
  },
};

/** 1 -> 2: the per-device opt-in to change a password over plain HTTP; off unless set. */
const hikDeviceV2: Migration = {
  version: 2,
  up(config) {
    return { ...config, allowHttpPasswordChange: config.allowHttpPasswordChange === true };
  },
};

/** 2 -> 3: the holders of the device's password hik guard updates (go2rtc…); none unless set. */
const hikDeviceV3: Migration = {
  version: 3,
  up(config) {
    return { ...config, consumers: Array.isArray(config.consumers) ? config.consumers : [] };
  },
};

/**
 * 3 -> 4: ONVIF users named like the rotated account are kept in step (on unless turned off), and
 * the opt-in to create a dedicated streaming account (off unless set).
 */
const hikDeviceV4: Migration = {
  version: 4,
  up(config) {
    return {
      ...config,
      keepOnvifUsersInStep: config.keepOnvifUsersInStep !== false,
      streamingAccount: config.streamingAccount === true,
    };
  },
};

export const hikDeviceMigrations = defineMigrations([hikDeviceV1, hikDeviceV2, hikDeviceV3, hikDeviceV4]);

// ---- hik-go2rtc -------------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default. */
const hikGo2rtcV1 = fillDefaults({ name: '', url: '' });

export const hikGo2rtcMigrations = defineMigrations([hikGo2rtcV1]);

// ---- hik-frigate ------------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default (restart off). */
const hikFrigateV1 = fillDefaults({ name: '', url: '', verifyTls: true, restartAfterUpdate: false });

export const hikFrigateMigrations = defineMigrations([hikFrigateV1]);

// ---- hik-homeassistant ------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default (TLS checked). */
const hikHomeassistantV1 = fillDefaults({
  name: '',
  url: '',
  verifyTls: true,
  ca: '',
  notifications: true,
  notifyService: '',
});

export const hikHomeassistantMigrations = defineMigrations([hikHomeassistantV1]);

// ---- hik-discover -----------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default. */
const hikDiscoverV1 = fillDefaults({
  name: '',
  interfaces: '',
  targets: '',
  windowMs: 1500,
  intervalSeconds: 60,
  passive: true,
  goneAfterSeconds: 45,
  sendList: false,
});

export const hikDiscoverMigrations = defineMigrations([hikDiscoverV1]);

// ---- hik-credentials --------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default. */
const hikCredentialsV1 = fillDefaults({
  name: '',
  devices: [],
  scheduleType: 'days',
  everyDays: 90,
  windowStart: '02:00',
  windowEnd: '05:00',
  cron: '',
  jitterMinutes: 10,
  concurrency: 2,
  settleSeconds: 2,
  includePassword: false,
});

/** 1 -> 2: the security audit of every managed device, weekly unless set otherwise (0 = on demand only). */
const hikCredentialsV2: Migration = {
  version: 2,
  up(config) {
    return { ...config, auditEveryDays: config.auditEveryDays ?? 7 };
  },
};

/**
 * 2 -> 3: a settle above 5 s becomes 5 s, the new limit (lib/rotation/rotate-device.ts
 * MAX_SETTLE_MS): a longer one lets a program that retries every second lock itself out before it
 * hears of the change. Anything that is not a number is left for the reader to refuse.
 */
const hikCredentialsV3: Migration = {
  version: 3,
  up(config) {
    const settle = Number(config.settleSeconds);
    return Number.isFinite(settle) && settle > 5 ? { ...config, settleSeconds: 5 } : { ...config };
  },
};

export const hikCredentialsMigrations = defineMigrations([
  hikCredentialsV1,
  hikCredentialsV2,
  hikCredentialsV3,
]);

// ---- hik-reset --------------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default. */
const hikResetV1 = fillDefaults({
  name: '',
  devices: [],
  listed: '',
  server: '',
  pollSeconds: 60,
  passive: true,
  interfaces: '',
  offlineAfter: 3,
});

/** 1 -> 2: the optional MQTT broker (`hik-mqtt`) the node's fleet is published to; none unless set. */
const hikResetV2: Migration = {
  version: 2,
  up(config) {
    return { ...config, mqtt: typeof config.mqtt === 'string' ? config.mqtt : '' };
  },
};

export const hikResetMigrations = defineMigrations([hikResetV1, hikResetV2]);

// ---- hik-mqtt ---------------------------------------------------------------------------------

/** 0 -> 1: configs from before versioning get every missing field's default (TLS checked, no buttons). */
const hikMqttV1 = fillDefaults({
  name: '',
  url: '',
  verifyTls: true,
  ca: '',
  clientId: '',
  discoveryPrefix: 'homeassistant',
  baseTopic: 'hik_guard',
  allowActions: false,
  actionSerials: '',
  removeAfterSeconds: 300,
});

export const hikMqttMigrations = defineMigrations([hikMqttV1]);
