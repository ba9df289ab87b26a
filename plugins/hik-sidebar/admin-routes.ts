/**
 * The admin HTTP endpoints of hik guard, all under `<httpAdminRoot>/hik-guard/` and all behind
 * `RED.auth.needsPermission`: `hik-guard.read` to look, `hik-guard.write` to act (scan, rotate,
 * verify, re-claim, trust a new certificate, test a connection), `hik-guard.reveal` to read a
 * password from the vault. With `adminAuth` on, anonymous requests get 401 like every other admin
 * route. Answers carry error codes, never secrets; the one exception is reveal, which is never
 * cached and never logged.
 *
 * Rotate now and Verify ask the fleet, which asks the device's hik-credentials node, and answer
 * with its result (waiting at most ANSWER_TIMEOUT_MS; after that 202, and the work goes on);
 * re-claim goes to the fleet too and answers with its outcome, or 409 with the reason it was refused.
 * Re-pin ("Trust the new certificate") answers the pinned and the presented fingerprints, and pins
 * the presented one only when the request confirms exactly it (lib/rotation/repin-certificate.ts).
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import {
  CertificateNotConfirmedError,
  HikError,
  InvalidArgumentError,
  ReclaimRefusedError,
  VaultRecordMissingError,
} from '../../lib/errors';
import { probeHomeAssistant } from '../../lib/homeassistant/ha-probe';
import { probeConnection } from '../../lib/isapi/connection-probe';
import type { DeviceAddress } from '../../lib/rotation/device-connection';
import { repinCertificate } from '../../lib/rotation/repin-certificate';
import { sharedDiscoveries, sharedLoginGuard } from '../../lib/runtime';
import { isValidHost, parsePort } from '../../nodes/shared/device-settings';
import { openNodeRedFleet } from '../../nodes/shared/fleet-access';
import { errorCode } from '../../nodes/shared/node-kit';
import { openNodeRedVault } from '../../nodes/shared/vault-access';
import { deployedDevices, fleetSnapshot } from './fleet-source';

export const PERMISSIONS = {
  read: 'hik-guard.read',
  write: 'hik-guard.write',
  reveal: 'hik-guard.reveal',
} as const;

/** What the editor sends for a password field it did not change. */
const UNCHANGED_PASSWORD = '__PWRD__';

/** How long Rotate now and Verify wait for the hik-credentials node's result before answering 202. */
export const ANSWER_TIMEOUT_MS = 60_000;

type Handler = (req: Request, res: Response) => Promise<void> | void;

export function registerAdminRoutes(RED: NodeAPI, publishFleet: () => void): void {
  const app = RED.httpAdmin;
  const { read, write, reveal } = PERMISSIONS;
  const guarded = (handler: Handler) => (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    void Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        RED.log.warn(
          `hik-guard: ${req.method} ${req.path} failed: ${HikError.isHikError(err) ? err.code : 'HIK_ERR'}`,
        );
        if (!res.headersSent)
          res.status(500).json({ problem: HikError.isHikError(err) ? err.code : 'HIK_ERR' });
      });
  };

  app.get(
    '/hik-guard/fleet',
    RED.auth.needsPermission(read),
    guarded(async (_req, res) => {
      res.json(await fleetSnapshot(RED));
    }),
  );

  app.get(
    '/hik-guard/discovered',
    RED.auth.needsPermission(read),
    guarded((_req, res) => {
      res.json({
        devices: sharedDiscoveries().devices().map(pickable),
        discovering: sharedDiscoveries().size,
      });
    }),
  );

  app.post(
    '/hik-guard/scan',
    RED.auth.needsPermission(write),
    guarded(async (_req, res) => {
      const { failures } = await sharedDiscoveries().scanAll();
      publishFleet();
      res.json({
        ...(await fleetSnapshot(RED)),
        problems: failures.map((f) => (HikError.isHikError(f) ? f.code : 'HIK_ERR')),
      });
    }),
  );

  // Audit now: read-only, through the hik-credentials node that owns the device (vault password,
  // device lock, login guard); the report lands in the fleet, so the table shows it.
  app.post(
    '/hik-guard/devices/:serial/audit',
    RED.auth.needsPermission(write),
    guarded(async (req, res) => {
      const serial = String(req.params.serial);
      const { fleet } = await openNodeRedFleet(RED);
      const node = fleet.rotationOwner(serial);
      if (!node) {
        res.status(404).json({ problem: 'HIK_ERR_NOT_MANAGED' });
        return;
      }
      const work = fleet.auditNow(serial);
      const report = await within(work, ANSWER_TIMEOUT_MS);
      if (report) {
        res.json({ node, serial, auditedAt: report.auditedAt, findings: report.findings.length });
        return;
      }
      void work.catch((err: unknown) => {
        RED.log.warn(`hik-guard: audit of ${serial} failed: ${errorCode(err)}`);
      });
      res.status(202).json({ accepted: true, node, pending: true });
    }),
  );

  // Two plain routes: Express 5 (Node-RED 5) has no regular expressions in paths.
  for (const action of ['rotate', 'verify'] as const) {
    app.post(
      `/hik-guard/devices/:serial/${action}`,
      RED.auth.needsPermission(write),
      guarded(async (req, res) => {
        const serial = String(req.params.serial);
        const { fleet } = await openNodeRedFleet(RED);
        const node = fleet.rotationOwner(serial);
        if (!node) {
          res.status(404).json({ problem: 'HIK_ERR_NOT_MANAGED' });
          return;
        }
        // Through the hik-credentials node that rotates it: its vault, locks, guard, output and status.
        const work = fleet.act(serial, action);
        const result = await within(work, ANSWER_TIMEOUT_MS);
        if (result) {
          res.json({ node, ...result });
          return;
        }
        // Still running: the node sends the result and the table shows it when it ends.
        void work.catch((err: unknown) => {
          RED.log.warn(`hik-guard: ${action} of ${serial} failed: ${errorCode(err)}`);
        });
        res.status(202).json({ accepted: true, node, pending: true });
      }),
    );
  }

  app.post(
    '/hik-guard/devices/:serial/reclaim',
    RED.auth.needsPermission(write),
    guarded(async (req, res) => {
      const serial = String(req.params.serial);
      const { fleet } = await openNodeRedFleet(RED);
      try {
        const outcome = await fleet.reclaimNow(serial);
        res.json({ serial, result: outcome.result, dependents: outcome.dependents });
      } catch (err) {
        if (!(err instanceof ReclaimRefusedError)) throw err;
        res.status(409).json({ problem: err.code, reason: err.reason });
      } finally {
        publishFleet();
      }
    }),
  );

  // Without `fingerprint` only looks; with it, pins it if the device presents exactly that one now.
  app.post(
    '/hik-guard/devices/:serial/repin',
    RED.auth.needsPermission(write),
    guarded(async (req, res) => {
      const serial = String(req.params.serial);
      const { fingerprint } = (req.body ?? {}) as { fingerprint?: unknown };
      if (fingerprint !== undefined && typeof fingerprint !== 'string') {
        res.status(400).json({ problem: 'HIK_ERR_INVALID_ARGUMENT' });
        return;
      }
      const vault = await openNodeRedVault(RED);
      try {
        const outcome = await repinCertificate({
          vault,
          serial,
          address: configuredAddress(RED, serial),
          confirm: fingerprint,
        });
        if (outcome.result === 'repinned') {
          (await openNodeRedFleet(RED)).fleet.certificateRepinned(serial);
          RED.log.info(`hik-guard: trusted the new TLS certificate of ${serial} (${outcome.presented})`);
        }
        res.json(outcome);
      } catch (err) {
        if (err instanceof VaultRecordMissingError) res.status(404).json({ problem: 'not_in_vault' });
        else if (err instanceof CertificateNotConfirmedError)
          res.status(409).json({ problem: err.code, presented: err.presentedFingerprint });
        else if (err instanceof InvalidArgumentError) res.status(400).json({ problem: err.code });
        else throw err;
      } finally {
        publishFleet();
      }
    }),
  );

  app.post(
    '/hik-guard/devices/:serial/reveal',
    RED.auth.needsPermission(reveal),
    guarded(async (req, res) => {
      const serial = String(req.params.serial);
      const record = (await openNodeRedVault(RED)).get(serial);
      if (!record) {
        res.status(404).json({ problem: 'not_in_vault' });
        return;
      }
      res.json({ serial, username: record.username, password: record.password });
    }),
  );

  app.post(
    '/hik-guard/test/device',
    RED.auth.needsPermission(write),
    guarded(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const port = body.port === undefined || body.port === '' ? undefined : parsePort(body.port);
      const protocol = body.protocol === 'http' ? 'http' : 'https';
      if (!isValidHost(body.host) || port === null) {
        res.status(400).json({ problem: 'invalid_address' });
        return;
      }
      const username = typeof body.username === 'string' && body.username !== '' ? body.username : 'admin';
      const password = await passwordFor(RED, body, { host: body.host, port, protocol });
      const result = await probeConnection({
        host: body.host,
        port,
        protocol,
        guard: sharedLoginGuard(),
        ...(password ? { credential: { username, password: password.value } } : {}),
        tlsPin: password?.tlsPin,
      });
      res.json({ ...result, credentialFrom: password?.from ?? null });
    }),
  );

  app.post(
    '/hik-guard/test/homeassistant',
    RED.auth.needsPermission(write),
    guarded(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const typed = typeof body.token === 'string' && body.token !== UNCHANGED_PASSWORD ? body.token : '';
      if (typeof body.url !== 'string' || body.url === '') {
        res.status(400).json({ problem: 'invalid_url' });
        return;
      }
      // A stored token goes only to the URL it was deployed with, never to one named in the request.
      const deployedUrl = deployedConfig(RED, body.id)?.url;
      const storedUsable = typeof deployedUrl === 'string' && deployedUrl.trim() === body.url.trim();
      const token = typed || (storedUsable ? storedCredential(RED, body.id, 'token') : '');
      if (!token) {
        res.status(400).json({ problem: 'no_token' });
        return;
      }
      try {
        res.json(
          await probeHomeAssistant({
            url: body.url,
            token,
            verifyTls: body.verifyTls !== false,
            ca: typeof body.ca === 'string' && body.ca !== '' ? body.ca : null,
          }),
        );
      } catch (err) {
        if (!HikError.isHikError(err)) throw err;
        res.status(400).json({ problem: err.code });
      }
    }),
  );
}

/** The HTTPS address a deployed hik-device node gives the device, else undefined (the vault's). */
function configuredAddress(RED: NodeAPI, serial: string): DeviceAddress | undefined {
  const device = deployedDevices(RED).find(
    ({ settings }) => settings.serial === serial && settings.protocol === 'https',
  );
  return device && { host: device.settings.host, port: device.settings.port, protocol: 'https' };
}

/** What `work` resolves to, or null when it has not ended within `ms` (it goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function storedCredential(RED: NodeAPI, id: unknown, field: string): string {
  if (typeof id !== 'string' || id === '') return '';
  const stored = RED.nodes.getCredentials(id) as Record<string, unknown> | undefined;
  const value = stored?.[field];
  return typeof value === 'string' ? value : '';
}

interface Address {
  host: string;
  port: number | undefined;
  protocol: 'http' | 'https';
}

/**
 * The password to test with: the vault's current one when the device is enrolled (typed or
 * deployed enrolment passwords are stale after a rotation), else the one typed in the dialog,
 * else the deployed node's enrolment password. A stored password (vault or deployed) is used only
 * against the address it belongs to, so a request naming another host cannot draw it out.
 */
async function passwordFor(
  RED: NodeAPI,
  body: Record<string, unknown>,
  target: Address,
): Promise<{ value: string; from: 'vault' | 'dialog' | 'deployed'; tlsPin?: string | null } | null> {
  const serial = typeof body.serial === 'string' ? body.serial : '';
  if (serial !== '') {
    try {
      const record = (await openNodeRedVault(RED)).get(serial);
      if (
        record?.host &&
        sameAddress(target, {
          host: record.host,
          port: record.port ?? undefined,
          protocol: record.protocol ?? 'https',
        })
      ) {
        return { value: record.password, from: 'vault', tlsPin: record.tlsPin };
      }
    } catch (err) {
      if (!HikError.isHikError(err)) throw err;
    }
  }
  if (typeof body.password === 'string' && body.password !== '' && body.password !== UNCHANGED_PASSWORD) {
    return { value: body.password, from: 'dialog' };
  }
  const config = deployedConfig(RED, body.id);
  const deployedAddress =
    config && typeof config.host === 'string'
      ? {
          host: config.host,
          port: config.port === undefined || config.port === '' ? undefined : Number(config.port),
          protocol: config.protocol === 'http' ? ('http' as const) : ('https' as const),
        }
      : undefined;
  if (!deployedAddress || !sameAddress(target, deployedAddress)) return null;
  const deployed = storedCredential(RED, body.id, 'password');
  return deployed ? { value: deployed, from: 'deployed' } : null;
}

function sameAddress(a: Address, b: Address): boolean {
  const port = (x: Address) => x.port ?? (x.protocol === 'https' ? 443 : 80);
  return a.host.toLowerCase() === b.host.toLowerCase() && a.protocol === b.protocol && port(a) === port(b);
}

/** The deployed configuration of node `id` (what the last deploy saved), if any. */
function deployedConfig(RED: NodeAPI, id: unknown): Record<string, unknown> | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  let found: Record<string, unknown> | undefined;
  RED.nodes.eachNode((node) => {
    if (node.id === id) found = node as unknown as Record<string, unknown>;
  });
  return found;
}

function pickable(device: {
  serial: string | null;
  model: string | null;
  ipv4: string | null;
  sourceAddress: string;
  httpPort: number | null;
  activated: boolean | null;
  firmware: string | null;
  mac: string | null;
}): Record<string, unknown> {
  return {
    serial: device.serial,
    model: device.model,
    ip: device.ipv4 ?? device.sourceAddress,
    httpPort: device.httpPort,
    activated: device.activated,
    firmware: device.firmware,
    mac: device.mac,
  };
}
