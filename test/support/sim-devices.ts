/**
 * Starts simulated devices on ephemeral loopback ports for one test file and stops them after
 * each test, so every socket a test opens is closed. On stop it also checks, from the devices' own
 * counters, that no test ever made the client restart a lock or cause one: only a device marked
 * with `allowThirdPartyLock` may be locked, and then by a third party (e.g. an `outsider`).
 */
import assert from 'node:assert/strict';
import { IsapiClient, type IsapiClientOptions } from '../../lib/isapi/isapi-client';
import { LoginGuard } from '../../lib/isapi/login-guard';
import type { CredentialVault } from '../../lib/vault/credential-vault';
import { SimDevice, type SimDeviceOptions } from '../../sim';

export const ADMIN_PASSWORD = 'Cam3ra-Admin!';

export class SimHarness {
  private readonly devices: SimDevice[] = [];
  private readonly clients: IsapiClient[] = [];
  private readonly lockableByOthers = new Set<SimDevice>();
  /** A fresh guard per test: each test is its own "process" as far as login attempts go. */
  guard = new LoginGuard();

  /** `host`: another loopback address, for devices that must not share the client's IP (recorders). */
  async device(
    options: Partial<SimDeviceOptions> = {},
    https = false,
    host = '127.0.0.1',
  ): Promise<SimDevice> {
    const device = new SimDevice({ adminPassword: ADMIN_PASSWORD, ...options });
    this.devices.push(device);
    await device.listen({ host, port: 0, https });
    return device;
  }

  client(device: SimDevice, options: Partial<IsapiClientOptions> = {}): IsapiClient {
    const client = new IsapiClient({
      host: device.host!,
      port: device.port!,
      protocol: device.https ? 'https' : 'http',
      credential: { username: 'admin', password: ADMIN_PASSWORD },
      guard: this.guard,
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 3_000,
      ...options,
    });
    this.clients.push(client);
    return client;
  }

  /** A client of another program on this host: its own login guard, its own mistakes. */
  outsider(device: SimDevice, options: Partial<IsapiClientOptions> = {}): IsapiClient {
    return this.client(device, { guard: new LoginGuard(), ...options });
  }

  /** The test lets something other than the client under test lock this device. */
  allowThirdPartyLock(device: SimDevice): void {
    this.lockableByOthers.add(device);
  }

  async stop(): Promise<void> {
    const devices = this.devices.splice(0);
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(devices.map((d) => d.close()));
    this.guard = new LoginGuard();
    const lockableByOthers = new Set(this.lockableByOthers);
    this.lockableByOthers.clear();
    for (const device of devices) {
      assert.equal(
        device.counters.lockRejections,
        0,
        `an attempt restarted the lock on ${device.serialNumber}`,
      );
      if (!lockableByOthers.has(device)) {
        assert.equal(device.counters.locksTriggered, 0, `the client caused a lock on ${device.serialNumber}`);
      }
    }
  }
}

/** Enrols a listening simulated device in `vault` with its admin password, where it listens. */
export async function enrolSimDevice(
  vault: CredentialVault,
  device: SimDevice,
  password: string,
): Promise<void> {
  await vault.enrol({
    serial: device.serialNumber,
    username: 'admin',
    password,
    host: device.host ?? '',
    port: device.port ?? 0,
    protocol: device.https ? 'https' : 'http',
  });
}

/** Resolves to what `promise` rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}
