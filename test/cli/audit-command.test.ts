/**
 * `hik-guard audit` against simulated devices: the report and JSON shape, exit codes, the vault
 * mode (every device, read-only vault), and that nothing is written or probed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialVault } from '../../lib/vault/credential-vault';
import type { SimDevice } from '../../sim';
import { runCli } from '../support/cli-run';
import { ADMIN_PASSWORD, SimHarness } from '../support/sim-devices';

const KEY = 'audit-test-vault-key';

describe('hik-guard audit', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-audit-'));
  });
  afterEach(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const hostArgs = (device: SimDevice): string[] => ['--host', device.host!, '--port', String(device.port)];

  it('prints one JSON object with the findings and exits 0, with GETs only', async () => {
    const device = await sim.device({ hardening: { upnp: true, ezviz: true } });
    const run = await runCli(['audit', ...hostArgs(device), '--password-env', 'PW', '--json'], {
      PW: ADMIN_PASSWORD,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { serial: string; findings: { id: string }[] };
    assert.deepEqual(Object.keys(report), ['serial', 'model', 'firmware', 'findings']);
    assert.equal(report.serial, device.serialNumber);
    assert.deepEqual(report.findings.map((f) => f.id).sort(), ['hik-connect-enabled', 'upnp-enabled']);
    assert.equal(
      device.counters.writeRequests + device.counters.exploitLikeRequests + device.counters.failedLogins,
      0,
    );
    assert.ok(!run.stdout.includes(ADMIN_PASSWORD) && !run.stderr.includes(ADMIN_PASSWORD));
  });

  it('prints a readable report with the fix and what was not checked', async () => {
    const device = await sim.device({
      model: 'DS-2CD2532F-IWS',
      firmwareVersion: 'V5.2.0',
      firmwareReleasedDate: 'build 140721',
    });
    const run = await runCli(['audit', ...hostArgs(device), '--password-env', 'PW'], { PW: ADMIN_PASSWORD });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^CRITICAL\s+CVE-2017-7921\s+Authentication bypass/m);
    assert.match(run.stdout, /^\s+Fix: {2}Update the firmware/m);
    assert.match(
      run.stdout,
      /^Not checked:\n(.*\n)*\s+C09\s+Hik-Connect \(EZVIZ\) cloud access: not on this firmware/m,
    );
  });

  it('exit 3 after one refused password, and exit 2 for contradicting options', async () => {
    const device = await sim.device();
    const run = await runCli(['audit', ...hostArgs(device), '--password-env', 'PW'], { PW: 'Wrong-Pass-1' });
    assert.equal(run.code, 3);
    assert.equal(device.counters.failedLogins, 1);
    const usage = await runCli([
      'audit',
      ...hostArgs(device),
      '--password-env',
      'PW',
      '--vault',
      join(dir, 'v'),
    ]);
    assert.equal(usage.code, 2);
    assert.equal((await runCli(['audit', ...hostArgs(device), '--fingerprint', 'AB'])).code, 2);
  });

  it('exit 5 when nothing answers', async () => {
    const device = await sim.device();
    const port = String(device.port);
    await device.close();
    const run = await runCli(['audit', '--host', '127.0.0.1', '--port', port, '--password-env', 'PW'], {
      PW: ADMIN_PASSWORD,
    });
    assert.equal(run.code, 5);
  });

  it('exit 9 when the certificate is not the pinned one (nothing sent), exit 8 when the vault key is wrong', async () => {
    const device = await sim.device({}, true);
    const pinned = Array.from({ length: 32 }, () => 'AB').join(':');
    const before = device.counters.requests;
    const changed = await runCli(
      ['audit', ...hostArgs(device), '--https', '--fingerprint', pinned, '--password-env', 'PW'],
      { PW: ADMIN_PASSWORD },
    );
    assert.equal(changed.code, 9, changed.stderr);
    assert.equal(device.counters.requests, before);

    const file = join(dir, 'vault.json');
    const vault = await CredentialVault.open(file, KEY);
    await vault.close();
    const wrongKey = await runCli(['audit', '--vault', file], { HIK_GUARD_VAULT_KEY: 'not-the-key' });
    assert.equal(wrongKey.code, 8, wrongKey.stderr);
  });

  it('--vault without --host audits every enrolled device with the vault password, read only', async () => {
    const a = await sim.device({ hardening: { ssh: true } });
    const b = await sim.device({}, false, '127.0.0.2');
    const file = join(dir, 'vault.json');
    const vault = await CredentialVault.open(file, KEY);
    for (const device of [a, b]) {
      await vault.enrol({
        serial: device.serialNumber,
        username: 'admin',
        password: ADMIN_PASSWORD,
        host: device.host!,
        port: device.port!,
        protocol: 'http',
      });
    }
    // Node-RED keeps its vault open: the audit must not need the writer's lock.
    try {
      const run = await runCli(['audit', '--vault', file, '--json'], { HIK_GUARD_VAULT_KEY: KEY });
      assert.equal(run.code, 0, run.stderr);
      const reports = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { serial: string; findings: { id: string }[] });
      assert.deepEqual(reports.map((r) => r.serial).sort(), [a.serialNumber, b.serialNumber].sort());
      assert.deepEqual(
        reports.find((r) => r.serial === a.serialNumber)?.findings.map((f) => f.id),
        ['ssh-enabled'],
      );
      for (const device of [a, b])
        assert.equal(device.counters.failedLogins + device.counters.writeRequests, 0);
    } finally {
      await vault.close();
    }
  });
});
