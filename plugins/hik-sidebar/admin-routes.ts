/**
 * The admin HTTP endpoints of hik guard, all under `<httpAdminRoot>/hik-guard/` and all behind
 * `RED.auth.needsPermission`: `hik-guard.read` to look, `hik-guard.write` to act (scan, rotate,
 * verify, re-claim, test a connection), `hik-guard.reveal` to read a password from the vault. With
 * `adminAuth` on, anonymous requests get 401 like every other admin route. Answers carry error
 * codes, never secrets; the one exception is reveal, which is never cached and never logged.
 *
 * Rotate now and Verify go through the device's hik-credentials node and answer with the result
 * that node sent (waiting at most ANSWER_TIMEOUT_MS; after that 202, the work goes on); re-claim
 * goes to the fleet and answers with its outcome, or 409 with the reason it was refused.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { HikError, ReclaimRefusedError } from '../../lib/errors';
import { probeHomeAssistant } from '../../lib/homeassistant/ha-probe';
import { probeConnection } from '../../lib/isapi/connection-probe';
import { sharedDiscoveries, sharedLoginGuard } from '../../lib/runtime';
import { isValidHost, parsePort } from '../../nodes/shared/device-settings';
import { openNodeRedFleet } from '../../nodes/shared/fleet-access';
import { errorCode } from '../../nodes/shared/node-kit';
import { openNodeRedVault } from '../../nodes/shared/vault-access';
import { credentialsNodeFor, fleetSnapshot } from './fleet-source';
import { askNode } from './node-answer';

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

  // Two plain routes: Express 5 (Node-RED 5) has no regular expressions in paths.
  for (const action of ['rotate', 'verify'] as const) {
    app.post(
      `/hik-guard/devices/:serial/${action}`,
      RED.auth.needsPermission(write),
      guarded(async (req, res) => {
        const serial = String(req.params.serial);
        const owner = await credentialsNodeFor(RED, serial);
        if (!owner) {
          res.status(404).json({ problem: 'not_managed' });
          return;
        }
        // Through the hik-credentials node: its vault, locks, guard, messages and status as usual.
        const answer = await askNode(RED, owner, { topic: action, payload: { serial } }, ANSWER_TIMEOUT_MS);
        const results = answer.messages.flatMap((m) => resultOf(m.payload));
        const result = results.find((r) => r.serial === serial) ?? results[0];
        if (result) res.json({ node: owner.id, ...result });
        else if (answer.error) res.status(500).json({ node: owner.id, problem: errorCode(answer.error) });
        else if (!answer.complete) res.status(202).json({ accepted: true, node: owner.id, pending: true });
        else res.status(500).json({ node: owner.id, problem: 'no_answer' });
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
        res.json({ serial, result: outcome.result, dependents: outcome.dependents.map(dependentOf) });
      } catch (err) {
        if (!(err instanceof ReclaimRefusedError)) throw err;
        res.status(409).json({ problem: err.code, reason: err.reason });
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

/** A device result the hik-credentials node sent, without anything else it may carry (a password). */
interface CredentialResult {
  serial: string | null;
  result: string;
  reason: string | null;
  rotatedAt: string | null;
  nextRotation: string | null;
  dependents: Record<string, unknown>[];
}

function resultOf(payload: unknown): CredentialResult[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  if (typeof p.result !== 'string') return [];
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return [
    {
      serial: text(p.serial),
      result: p.result,
      reason: text(p.reason),
      rotatedAt: text(p.rotatedAt),
      nextRotation: text(p.nextRotation),
      dependents: Array.isArray(p.dependents) ? p.dependents.map(dependentOf) : [],
    },
  ];
}

/** A recorder channel that follows the device's password, and how its update went. */
function dependentOf(dependent: unknown): Record<string, unknown> {
  const d = (typeof dependent === 'object' && dependent !== null ? dependent : {}) as Record<string, unknown>;
  return {
    recorderSerial: d.recorderSerial ?? null,
    channelId: d.channelId ?? null,
    online: d.online === true,
    code: d.code ?? null,
  };
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
