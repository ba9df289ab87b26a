/**
 * The simulated fleet for the SADP benchmark, in its own process so the scanner's CPU figures are
 * its own. Argument: device count. Devices on 127.0.1.1 onwards (loopback only). Prints `ready`;
 * the stdin line `reset N` factory-resets N activated devices one after another (each says Hello
 * when it is back) and prints `reset-done`; `ports` prints `ports <host>:<http port>,…` for every
 * device; exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { SimFleet, type SimFleetMember } from '../../sim';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const members: SimFleetMember[] = Array.from({ length: count }, (_, i) => ({
    adminPassword: 'Bench-Admin-1!',
    serialNumber: `DS-2CD2386G2-IU20240201AAWRJ${String(i + 1).padStart(8, '0')}`,
    rebootMs: 0,
    // Real devices do not answer in the same millisecond; spread like a busy LAN.
    sadp: { replyDelayMs: [0, 200] },
  }));
  const fleet = await SimFleet.start({
    devices: members,
    baseAddress: '127.0.1.1',
    port: 0,
    sadp: { announceOnStart: false },
  });
  process.stdout.write('ready\n');
  let next = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'ports') {
      process.stdout.write(`ports ${fleet.devices.map((d) => `${d.host}:${d.port}`).join(',')}\n`);
      continue;
    }
    const match = /^reset (\d+)$/.exec(line.trim());
    if (!match) continue;
    for (let i = 0; i < Number(match[1]) && next < fleet.devices.length; i++, next++) {
      await fleet.devices[next]?.factoryReset();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    process.stdout.write('reset-done\n');
  }
  await fleet.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet process failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
