/**
 * `hik-guard status`: who a device is and whether it is activated. Spends at most one
 * authenticated attempt (none while the device reports a lock) and never prints the password.
 */
import {
  AuthFailedError,
  CertificatePinMismatchError,
  DeviceLockedError,
  DeviceTimeoutError,
  DeviceUnreachableError,
  HikError,
  IsapiStatusError,
  LoginGuardRefusedError,
} from '../lib/errors';
import { IsapiClient } from '../lib/isapi/isapi-client';
import { getActivationStatus, getDeviceInfo, type DeviceInfo } from '../lib/isapi/endpoints/system';
import { EXIT, parseCommandArgs, UsageError, writeLine, type CliIo } from './cli-io';
import type { CommandHelp } from './command-help';
import { readPassword } from './read-password';
import { describeFailure, DEVICE_EXIT_CODES } from './rotation-exit';

export const STATUS_HELP: CommandHelp = {
  name: 'status',
  forms: [
    'status --host HOST [--port N] [--https] [--user NAME] [--password-env VAR] [--fingerprint SHA256] [--timeout SECONDS] [--json]',
  ],
  short: 'status --host HOST [options]',
  about: `Shows a device's identity and activation state. The activation state is asked first, without
    a login; then it logs in once (not while the device reports a lock, and never with a password
    this device refused before, in this run or an earlier one).`,
  options: [
    ['--host HOST', 'device address'],
    ['--port N', 'default 443 with --https, else 80'],
    ['--https', 'use HTTPS; the certificate fingerprint is printed (and checked with --fingerprint)'],
    ['--user NAME', 'default admin'],
    ['--password-env VAR', 'read the password from environment variable VAR (else you are prompted)'],
    [
      '--fingerprint SHA256',
      'refuse the device unless its certificate has this SHA-256 fingerprint (exit 9, nothing sent)',
    ],
    ['--timeout SECONDS', 'per request, default 10'],
    ['--json', 'one JSON object on stdout'],
  ],
  exitCodes: [
    [EXIT.ok, 'ok'],
    [EXIT.failure, 'unexpected failure (please report it)'],
    [EXIT.usage, 'usage error'],
    ...DEVICE_EXIT_CODES,
  ],
};

interface StatusOptions {
  host: string;
  port: number | undefined;
  https: boolean;
  user: string;
  passwordEnv: string | undefined;
  fingerprint: string | undefined;
  timeoutMs: number;
  json: boolean;
}

export interface DeviceStatus {
  host: string;
  port: number;
  protocol: 'http' | 'https';
  serial: string | null;
  model: string | null;
  firmware: string | null;
  deviceType: string | null;
  deviceName: string | null;
  mac: string | null;
  activated: boolean | null;
  tlsFingerprint: string | null;
}

export async function runStatusCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseStatusOptions(argv);
  const pin: { fingerprint?: string } = options.fingerprint ? { fingerprint: options.fingerprint } : {};
  const client = new IsapiClient({
    host: options.host,
    port: options.port,
    protocol: options.https ? 'https' : 'http',
    tlsPin: pin,
    guard: io.loginGuard,
    connectTimeoutMs: Math.min(options.timeoutMs, 5_000),
    requestTimeoutMs: options.timeoutMs,
  });
  try {
    const activated = await getActivationStatus(client);
    let info: DeviceInfo | null = null;
    if (activated !== false) {
      const password = await readPassword(
        io,
        options.passwordEnv,
        `Password for ${options.user}@${options.host}: `,
      );
      client.useCredential({ username: options.user, password });
      info = await getDeviceInfo(client);
    }
    const status = describe(client, options, info, activated, pin.fingerprint ?? null);
    if (options.json) writeLine(io.stdout, JSON.stringify(status));
    else printHuman(io, status);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return reportFailure(io, options.json, err);
  } finally {
    await client.close();
  }
}

function parseStatusOptions(argv: string[]): StatusOptions {
  const values = parseCommandArgs(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    https: { type: 'boolean', default: false },
    user: { type: 'string', default: 'admin' },
    'password-env': { type: 'string' },
    password: { type: 'string' },
    fingerprint: { type: 'string' },
    timeout: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  });
  if (values.password !== undefined) {
    throw new UsageError('--password is not accepted: use --password-env VAR or the prompt');
  }
  if (!values.host) throw new UsageError('--host is required');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new UsageError('--port must be a number from 1 to 65535');
  }
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 300) {
    throw new UsageError('--timeout must be a number of seconds from 0 to 300');
  }
  return {
    host: values.host,
    port,
    https: values.https,
    user: values.user,
    passwordEnv: values['password-env'],
    fingerprint: values.fingerprint,
    timeoutMs: Math.round(timeout * 1000),
    json: values.json,
  };
}

function describe(
  client: IsapiClient,
  options: StatusOptions,
  info: DeviceInfo | null,
  activated: boolean | null,
  fingerprint: string | null,
): DeviceStatus {
  return {
    host: client.host,
    port: client.port,
    protocol: client.protocol,
    serial: info?.serial ?? null,
    model: info?.model ?? null,
    firmware: info?.firmware ?? null,
    deviceType: info?.deviceType ?? null,
    deviceName: info?.deviceName ?? null,
    mac: info?.mac ?? null,
    // A device that let us log in is activated even when it cannot say so unauthenticated.
    activated: activated ?? (info ? true : null),
    tlsFingerprint: options.https ? fingerprint : null,
  };
}

function printHuman(io: CliIo, status: DeviceStatus): void {
  const rows: [string, string | null][] = [
    ['Device', `${status.protocol}://${status.host}:${status.port}`],
    ['Serial', status.serial],
    ['Model', status.model],
    ['Type', status.deviceType],
    ['Name', status.deviceName],
    ['Firmware', status.firmware],
    ['MAC', status.mac],
    [
      'Activated',
      status.activated === null
        ? 'unknown'
        : status.activated
          ? 'yes'
          : 'NO — anyone on the LAN can claim it',
    ],
    ['TLS SHA-256', status.tlsFingerprint],
  ];
  for (const [label, value] of rows) {
    if (value !== null) writeLine(io.stdout, `${label.padEnd(12)} ${value}`);
  }
}

function reportFailure(io: CliIo, json: boolean, err: unknown): number {
  const [exitCode, payload] = classify(err);
  if (json) writeLine(io.stdout, JSON.stringify(payload));
  writeLine(io.stderr, `hik-guard status: ${describeFailure(err)}`);
  return exitCode;
}

function classify(err: unknown): [number, Record<string, unknown>] {
  if (err instanceof AuthFailedError)
    return [EXIT.authFailed, { error: 'auth_failed', retriesLeft: err.retriesLeft }];
  if (err instanceof DeviceLockedError)
    return [EXIT.locked, { error: 'locked', unlockInSeconds: err.unlockInSeconds }];
  if (err instanceof LoginGuardRefusedError && err.reason === 'lock_window') {
    return [EXIT.locked, { error: 'locked', unlockInSeconds: err.retryAfterSeconds }];
  }
  // Refused here, before anything was sent: the same verdict as the device's, no attempt spent.
  if (err instanceof LoginGuardRefusedError && err.reason === 'credential_failed_before') {
    return [EXIT.authFailed, { error: 'auth_failed', retriesLeft: null, refusedBefore: true }];
  }
  if (err instanceof DeviceTimeoutError) return [EXIT.unreachable, { error: 'timeout', phase: err.phase }];
  if (err instanceof DeviceUnreachableError) return [EXIT.unreachable, { error: 'unreachable' }];
  if (err instanceof CertificatePinMismatchError) {
    return [
      EXIT.certificateChanged,
      { error: 'certificate_changed', fingerprint: err.actualFingerprint, pinned: err.expectedFingerprint },
    ];
  }
  if (err instanceof IsapiStatusError) {
    return [
      EXIT.deviceError,
      { error: 'isapi', code: err.code, statusCode: err.statusCode, subStatusCode: err.subStatusCode },
    ];
  }
  if (HikError.isHikError(err)) return [EXIT.deviceError, { error: 'device', code: err.code }];
  return [EXIT.failure, { error: 'internal' }];
}
