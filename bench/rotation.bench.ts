/**
 * `npx tsx bench/rotation.bench.ts`: rotate 200 simulated cameras (20 ms latency each way, i.e.
 * 40 ms per HTTP exchange) through the scheduler at concurrency 16, with a real vault on disk.
 * Compares the wall time with the ideal (requests × round trip + settle, spread over 16 lanes) and
 * counts the HTTP requests each rotation needs. Loopback only; figures go to BENCHMARKS.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LoginGuard } from '../lib/isapi/login-guard';
import { rotateDevice, type RotationOutcome } from '../lib/rotation/rotate-device';
import { RotationScheduler } from '../lib/rotation/rotation-scheduler';
import { CredentialVault } from '../lib/vault/credential-vault';
import { SimDevice } from '../sim';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const CONCURRENCY = 16;
const ONE_WAY_MS = 20;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 500);
const PASSWORD = 'Bench-Passw0rd!';

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hik-rotation-bench-'));
  const devices = Array.from(
    { length: DEVICES },
    (_, i) =>
      new SimDevice({
        adminPassword: PASSWORD,
        requireLoginPassword: true,
        serialNumber: `DS-BENCH20240101AAWRJ${String(i).padStart(8, '0')}`,
      }),
  );
  const vault = await CredentialVault.open(join(dir, 'vault.json'), 'bench-vault-secret');
  const guard = new LoginGuard();
  try {
    await Promise.all(devices.map((d) => d.listen({ host: '127.0.0.1', port: 0 })));
    for (const d of devices) {
      await vault.enrol({
        serial: d.serialNumber,
        username: 'admin',
        password: PASSWORD,
        host: '127.0.0.1',
        port: d.port ?? 0,
        protocol: 'http',
      });
      // Both directions of every exchange: the simulator holds each request 2 × 20 ms.
      d.faults.inject({ kind: 'latency', ms: 2 * ONE_WAY_MS });
    }
    const outcomes: RotationOutcome[] = [];
    const scheduler = new RotationScheduler({
      plan: { kind: 'interval', everyDays: 90 },
      concurrency: CONCURRENCY,
      devices: () => vault.list().map((r) => ({ serial: r.serial, lastRotation: r.lastRotation })),
      reconcilePending: () => Promise.resolve(),
      rotate: async (serial) => {
        outcomes.push(
          await rotateDevice({ vault, serial, guard, allowHttpPasswordChange: true, settleMs: SETTLE_MS }),
        );
      },
    });
    const start = performance.now();
    await scheduler.start();
    const wallMs = performance.now() - start;
    await scheduler.stop();

    const requests = devices.reduce((n, d) => n + d.counters.requests, 0);
    const perRotation = requests / DEVICES;
    const deviceMs = perRotation * 2 * ONE_WAY_MS + SETTLE_MS;
    const idealMs = Math.ceil(DEVICES / CONCURRENCY) * deviceMs;
    const rotated = outcomes.filter((o) => o.result === 'rotated').length;
    const failed = devices.reduce((n, d) => n + d.counters.failedLogins, 0);
    const matching = devices.filter(
      (d) => vault.get(d.serialNumber)?.password === d.state.admin.password,
    ).length;
    console.log(
      `node ${process.version}, ${DEVICES} devices, concurrency ${CONCURRENCY}, settle ${SETTLE_MS} ms`,
    );
    console.log(
      `rotated ${rotated}/${DEVICES}, vault matches device ${matching}/${DEVICES}, failed logins ${failed}`,
    );
    console.log(`HTTP requests per rotation: ${perRotation}`);
    console.log(
      `wall ${(wallMs / 1000).toFixed(2)} s, ideal ${(idealMs / 1000).toFixed(2)} s ` +
        `(${Math.ceil(DEVICES / CONCURRENCY)} waves × ${deviceMs} ms), ratio ${(wallMs / idealMs).toFixed(3)}`,
    );
  } finally {
    await vault.close();
    await Promise.all(devices.map((d) => d.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
