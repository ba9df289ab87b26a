/**
 * "Test connection" for a device dialog: whether the device answers, whether it is activated
 * (unauthenticated, costs no login attempt) and, when a credential is at hand, who it is. The
 * authenticated part goes through the login-attempt guard like every other request, so a wrong
 * password typed into a dialog is tried once and never again. The answer never holds a secret.
 */
import { HikError } from '../errors';
import { getActivationStatus, getDeviceInfo } from './endpoints/system';
import { IsapiClient } from './isapi-client';
import type { Credential, LoginGuard } from './login-guard';

export interface ConnectionProbeInput {
  host: string;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
  credential?: Credential | undefined;
  /** Pin known from the vault; without one the certificate is only looked at, not stored. */
  tlsPin?: string | null | undefined;
  guard?: LoginGuard | undefined;
  timeoutMs?: number | undefined;
}

export interface ConnectionProbeResult {
  reachable: boolean;
  /** true activated, false factory state, null unknown (old firmware or no answer). */
  activated: boolean | null;
  identity: { serial: string; model: string; deviceName: string | null; firmware: string | null } | null;
  /** Why the identity is missing: `no_credential` or an error code (`HIK_ERR_AUTH_FAILED`, …). */
  problem: string | null;
}

export async function probeConnection(input: ConnectionProbeInput): Promise<ConnectionProbeResult> {
  const timeoutMs = input.timeoutMs ?? 5_000;
  const client = new IsapiClient({
    host: input.host,
    port: input.port,
    protocol: input.protocol ?? 'https',
    tlsPin: { fingerprint: input.tlsPin ?? undefined },
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    guard: input.guard,
  });
  try {
    let activated: boolean | null;
    try {
      activated = await getActivationStatus(client);
    } catch (err) {
      return { reachable: false, activated: null, identity: null, problem: codeOf(err) };
    }
    if (!input.credential || activated === false) {
      return {
        reachable: true,
        activated,
        identity: null,
        problem: input.credential ? null : 'no_credential',
      };
    }
    client.useCredential(input.credential);
    try {
      const info = await getDeviceInfo(client);
      const identity = {
        serial: info.serial,
        model: info.model,
        deviceName: info.deviceName,
        firmware: info.firmware,
      };
      return { reachable: true, activated, identity, problem: null };
    } catch (err) {
      return { reachable: true, activated, identity: null, problem: codeOf(err) };
    }
  } finally {
    await client.close();
  }
}

/** Only the stable code crosses to the editor: messages could name hosts, never secrets, but keep it tight. */
function codeOf(err: unknown): string {
  if (HikError.isHikError(err)) return err.code;
  throw err;
}
