/**
 * One simulated device in a child process, for tests that put devices in network namespaces of
 * their own (started with `ip netns exec`). Argument: JSON {address, serialNumber, macAddress,
 * activated}. Prints `ready` once it answers SADP on `address`; on the stdin line `factory-reset`
 * it resets (and says Hello after booting) and prints `reset-done`; exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { SadpResponder, SimDevice } from '../../sim';

interface RunnerSpec {
  address: string;
  serialNumber: string;
  macAddress: string;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as RunnerSpec;
  const device = new SimDevice({
    adminPassword: 'Netns-Admin-1!',
    serialNumber: spec.serialNumber,
    macAddress: spec.macAddress,
    rebootMs: 50,
  });
  // ISAPI stays on this namespace's own loopback; only SADP is on the test network.
  await device.listen({ host: '127.0.0.1', port: 0 });
  const responder = new SadpResponder(device, {
    address: spec.address,
    quirks: { factoryAddress: '192.168.1.64' },
    announceOnStart: false,
  });
  await responder.start();
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'factory-reset') {
      await device.factoryReset();
      process.stdout.write('reset-done\n');
    }
  }
  await responder.stop();
  await device.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`runner failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
