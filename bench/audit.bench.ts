/**
 * `npm run bench:audit`: what a security audit costs, per device and for a 200-device fleet, against
 * the simulator (loopback only; run inside `unshare --net` with only `lo` up). Requests are counted
 * by the simulated devices themselves; writes and exploit-shaped requests must stay 0. Figures go
 * to BENCHMARKS.md; nothing here asserts.
 */
import { performance } from 'node:perf_hooks';
import { auditDevice } from '../lib/audit/audit-device';
import { IsapiClient } from '../lib/isapi/isapi-client';
import { LoginGuard } from '../lib/isapi/login-guard';
import { SimDevice, type SimDeviceOptions } from '../sim';

const PASSWORD = 'Bench-Audit-P1';

/** The demo's mix, in turn: a clean 2024 camera, a 2020 one with UPnP and Hik-Connect, a 2014 one, an NVR. */
const MIX: Partial<SimDeviceOptions>[] = [
  {},
  {
    model: 'DS-2CD2443G0-IW',
    firmwareVersion: 'V5.6.5',
    firmwareReleasedDate: 'build 200316',
    authOffer: 'digest-and-basic-headers',
    hardening: { upnp: true, upnpPortMapping: true, ezviz: true },
  },
  {
    model: 'DS-2CD2532F-IWS',
    firmwareVersion: 'V5.2.0',
    firmwareReleasedDate: 'build 140721',
    booleanQuirk: true,
  },
  { deviceType: 'NVR' },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function start(count: number): Promise<SimDevice[]> {
  const devices = Array.from(
    { length: count },
    (_, i) => new SimDevice({ adminPassword: PASSWORD, ...(MIX[i % MIX.length] ?? {}) }),
  );
  await Promise.all(devices.map((d) => d.listen({ host: '127.0.0.1', port: 0 })));
  return devices;
}

function clientFor(device: SimDevice, guard: LoginGuard): IsapiClient {
  return new IsapiClient({
    host: '127.0.0.1',
    port: device.port ?? 0,
    protocol: 'http',
    credential: { username: 'admin', password: PASSWORD },
    guard,
  });
}

async function auditOnce(device: SimDevice, guard: LoginGuard): Promise<{ ms: number; findings: number }> {
  const client = clientFor(device, guard);
  try {
    const t = performance.now();
    const report = await auditDevice(client, { username: 'admin' });
    return { ms: performance.now() - t, findings: report.findings.length };
  } finally {
    await client.close();
  }
}

async function perDevice(rounds: number): Promise<void> {
  const devices = await start(MIX.length);
  const guard = new LoginGuard();
  try {
    for (const [i, device] of devices.entries()) {
      device.resetCounters();
      const times: number[] = [];
      let findings = 0;
      for (let r = 0; r < rounds; r++) {
        const run = await auditOnce(device, guard);
        times.push(run.ms);
        findings = run.findings;
      }
      times.sort((a, b) => a - b);
      const c = device.counters;
      const gets = [...c.requestsByPath.entries()].filter(([k]) => k.startsWith('GET ')).length;
      console.log(
        `device ${i} ${device.profile.identity.model.padEnd(20)} median ${percentile(times, 50).toFixed(1)} ms, ` +
          `p95 ${percentile(times, 95).toFixed(1)} ms, ${c.requests / rounds} HTTP requests/audit ` +
          `(${gets} endpoints), findings ${findings}, writes ${c.writeRequests}, exploit-like ${c.exploitLikeRequests}, ` +
          `failed logins ${c.failedLogins}`,
      );
    }
  } finally {
    await Promise.all(devices.map((d) => d.close()));
  }
}

async function fleet(count: number, concurrency: number): Promise<void> {
  const devices = await start(count);
  const guard = new LoginGuard();
  try {
    const queue = [...devices];
    const times: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let device = queue.shift(); device; device = queue.shift())
          times.push((await auditOnce(device, guard)).ms);
      }),
    );
    const total = performance.now() - t0;
    times.sort((a, b) => a - b);
    const sum = (pick: (d: SimDevice) => number): number => devices.reduce((n, d) => n + pick(d), 0);
    console.log(
      `fleet of ${count}, ${concurrency} at once: ${(total / 1000).toFixed(2)} s total, per device median ` +
        `${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms; ` +
        `${sum((d) => d.counters.requests)} HTTP requests (${(sum((d) => d.counters.requests) / count).toFixed(1)}/device), ` +
        `writes ${sum((d) => d.counters.writeRequests)}, exploit-like ${sum((d) => d.counters.exploitLikeRequests)}, ` +
        `failed logins ${sum((d) => d.counters.failedLogins)}`,
    );
  } finally {
    await Promise.all(devices.map((d) => d.close()));
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}`);
  await perDevice(20);
  await fleet(200, 1);
  await fleet(200, 8);
}

void main();
