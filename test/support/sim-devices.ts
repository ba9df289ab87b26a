/**
 * Starts simulated devices on ephemeral loopback ports for one test file and stops them after
 * each test, so every socket a test opens is closed.
 */
import { IsapiClient, type IsapiClientOptions } from '../../lib/isapi/isapi-client';
import { LoginGuard } from '../../lib/isapi/login-guard';
import { SimDevice, type SimDeviceOptions } from '../../sim';

export const ADMIN_PASSWORD = 'Cam3ra-Admin!';

export class SimHarness {
  private readonly devices: SimDevice[] = [];
  private readonly clients: IsapiClient[] = [];
  /** A fresh guard per test: each test is its own "process" as far as login attempts go. */
  guard = new LoginGuard();

  async device(options: Partial<SimDeviceOptions> = {}, https = false): Promise<SimDevice> {
    const device = new SimDevice({ adminPassword: ADMIN_PASSWORD, ...options });
    this.devices.push(device);
    await device.listen({ host: '127.0.0.1', port: 0, https });
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

  async stop(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(this.devices.splice(0).map((d) => d.close()));
    this.guard = new LoginGuard();
  }
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
