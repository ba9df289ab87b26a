/**
 * `npm run bench`: how fast the hardened client talks to the simulator, and what the protocol
 * pieces cost on their own. Loopback only. Figures go to BENCHMARKS.md; nothing here asserts.
 */
import { performance } from 'node:perf_hooks';
import { buildDigestAuthorization } from '../lib/isapi/digest-authorization';
import { chooseAuth, parseAuthenticateHeaders } from '../lib/isapi/digest-challenge';
import { getDeviceInfo } from '../lib/isapi/endpoints/system';
import { IsapiClient } from '../lib/isapi/isapi-client';
import { LoginGuard } from '../lib/isapi/login-guard';
import { parseXml } from '../lib/xml/xml';
import { SimDevice } from '../sim';

const PASSWORD = 'Bench-Passw0rd';
const DEVICE_INFO = `<?xml version="1.0" encoding="UTF-8" ?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<deviceName>IP CAMERA</deviceName><deviceID>8f2a0c1e-0000-4000-8000-44d19b65e001</deviceID>
<model>DS-2CD2386G2-IU</model><serialNumber>DS-2CD2386G2-IU20240201AAWRJ00000001</serialNumber>
<macAddress>44:19:b6:5e:00:01</macAddress><firmwareVersion>V5.7.15</firmwareVersion>
<firmwareReleasedDate>build 240201</firmwareReleasedDate><deviceType>IPCamera</deviceType>
</DeviceInfo>`;
const CHALLENGE =
  'Digest realm="fe12f37bd0a1b2c3d4e5f6a7", domain="::", qop="auth", nonce="300b7e88f3d69ebf0a1b2c3df3e2f04218a:1685000004756", opaque="", algorithm="MD5", stale="FALSE"';

function opsPerSecond(label: string, iterations: number, run: () => void): void {
  for (let i = 0; i < Math.min(iterations, 1000); i++) run(); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label.padEnd(44)} ${Math.round(iterations / seconds).toLocaleString('en-US')} ops/s`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function authenticatedRequests(deviceCount: number, requestsPerDevice: number): Promise<void> {
  const devices = Array.from({ length: deviceCount }, () => new SimDevice({ adminPassword: PASSWORD }));
  await Promise.all(devices.map((d) => d.listen({ host: '127.0.0.1', port: 0 })));
  const guard = new LoginGuard();
  const clients = devices.map(
    (d) =>
      new IsapiClient({
        host: '127.0.0.1',
        port: d.port ?? 0,
        protocol: 'http',
        credential: { username: 'admin', password: PASSWORD },
        guard,
      }),
  );
  try {
    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < requestsPerDevice; i++) {
          const t = performance.now();
          await getDeviceInfo(client);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const total = deviceCount * requestsPerDevice;
    const failed = devices.reduce((n, d) => n + d.counters.failedLogins, 0);
    console.log(
      `deviceInfo, ${String(deviceCount).padStart(3)} devices × ${requestsPerDevice} requests`.padEnd(44) +
        ` ${Math.round(total / seconds)} req/s, p50 ${percentile(latencies, 50).toFixed(1)} ms,` +
        ` p95 ${percentile(latencies, 95).toFixed(1)} ms, failed logins ${failed}`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(devices.map((d) => d.close()));
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}`);
  opsPerSecond('parseXml(deviceInfo)', 20_000, () => parseXml(DEVICE_INFO));
  opsPerSecond('parse WWW-Authenticate + choose', 50_000, () =>
    chooseAuth(parseAuthenticateHeaders([CHALLENGE])),
  );
  const auth = chooseAuth(parseAuthenticateHeaders([CHALLENGE]));
  if (auth?.kind !== 'digest') throw new Error('bench challenge did not parse');
  opsPerSecond('build Digest MD5 Authorization', 50_000, () =>
    buildDigestAuthorization({
      challenge: auth.challenge,
      username: 'admin',
      password: PASSWORD,
      method: 'GET',
      uri: '/ISAPI/System/deviceInfo',
    }),
  );
  await authenticatedRequests(1, 200);
  await authenticatedRequests(20, 20);
  await authenticatedRequests(200, 2);
}

void main();
