/** Starts simulated devices on ephemeral loopback ports and closes them all after each test. */
import { SimDevice, type SimDeviceOptions } from '../../../sim';

export const PASSWORD = 'Initial-Pass1';
export const NEW_PASSWORD = 'Rotated-Pass2';
export const ADMIN = { userName: 'admin', password: PASSWORD };

const open: SimDevice[] = [];

/** Register once per file: `afterEach(closeDevices)`. */
export async function closeDevices(): Promise<void> {
  await Promise.all(open.splice(0).map((d) => d.close()));
}

export async function startDevice(
  options: Partial<SimDeviceOptions> = {},
  listen: { host?: string; https?: boolean; rtsp?: boolean } = {},
): Promise<SimDevice> {
  const device = new SimDevice({ adminPassword: PASSWORD, rebootMs: 20, ...options });
  open.push(device);
  await device.listen({
    host: listen.host ?? '127.0.0.21',
    port: 0,
    https: listen.https ?? false,
    ...(listen.rtsp ? { rtspPort: 0 } : {}),
  });
  return device;
}
