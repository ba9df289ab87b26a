import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import type { CliIo } from '../../cli/cli-io';
import { LoginGuard } from '../../lib/isapi/login-guard';
import type { SimDevice } from '../../sim';
import { ADMIN_PASSWORD, SimHarness } from '../support/sim-devices';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process with the given environment, as its own process would: with a login
 * guard of its own. stdin is not a terminal.
 */
async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  loginGuard = new LoginGuard(),
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => (chunks.out += c.toString()));
  stderr.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env, loginGuard };
  const code = await main(args, io);
  return { code, stdout: chunks.out, stderr: chunks.err };
}

function statusArgs(device: SimDevice, ...extra: string[]): string[] {
  return [
    'status',
    '--host',
    device.host!,
    '--port',
    String(device.port),
    '--password-env',
    'HIK_PW',
    ...extra,
  ];
}

function assertNoSecret(run: Run, secret: string): void {
  assert.ok(!run.stdout.includes(secret), 'password on stdout');
  assert.ok(!run.stderr.includes(secret), 'password on stderr');
}

describe('hik-guard status', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  afterEach(() => sim.stop());

  it('prints the identity and activation state as one JSON object', async () => {
    const device = await sim.device({ serialNumber: 'DS-2CD2386G2-IU20240201AAWRJ00000007' });
    const run = await runCli(statusArgs(device, '--json'), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 0, run.stderr);
    const status = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(status.serial, 'DS-2CD2386G2-IU20240201AAWRJ00000007');
    assert.equal(status.model, device.profile.identity.model);
    assert.equal(status.deviceType, 'IPCamera');
    assert.equal(status.activated, true);
    assert.match(String(status.firmware), /^V5\.7\.15 build 240201$/);
    assert.match(String(status.mac), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(run.stdout.trim().split('\n').length, 1);
    assertNoSecret(run, ADMIN_PASSWORD);
  });

  it('prints a readable summary without --json', async () => {
    const device = await sim.device();
    const run = await runCli(statusArgs(device), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Serial\s+\S+/m);
    assert.match(run.stdout, /^Activated\s+yes$/m);
  });

  it('reports an inactive device without asking for a password or logging in', async () => {
    const device = await sim.device({ adminPassword: null });
    const run = await runCli(['status', '--host', device.host!, '--port', String(device.port), '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { activated: unknown }).activated, false);
    assert.equal(device.counters.authenticatedRequests + device.counters.failedLogins, 0);
  });

  it('exits 3 after exactly one authenticated attempt when the password is wrong', async () => {
    const device = await sim.device();
    const wrong = 'Wr0ng-Canary-7731';
    const run = await runCli(statusArgs(device, '--json'), { HIK_PW: wrong });
    assert.equal(run.code, 3);
    assert.deepEqual(JSON.parse(run.stdout), { error: 'auth_failed', retriesLeft: 6 });
    assert.equal(device.counters.failedLogins, 1);
    assertNoSecret(run, wrong);
  });

  it('exits 4 without any authenticated attempt while the device is locked', async () => {
    const device = await sim.device({ maxAdminFailures: 1, lockSeconds: 900 });
    sim.allowThirdPartyLock(device); // the first run plays someone else's mistake
    await runCli(statusArgs(device), { HIK_PW: 'Locks-It-0ut' });
    assert.equal(device.counters.locksTriggered, 1);
    const before = { failed: device.counters.failedLogins, rejected: device.counters.lockRejections };

    // A second process: it knows nothing of the first run, yet must not touch the lock.
    const run = await runCli(statusArgs(device, '--json'), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 4, run.stderr);
    const body = JSON.parse(run.stdout) as { error: string; unlockInSeconds: number };
    assert.equal(body.error, 'locked');
    assert.ok(body.unlockInSeconds > 0 && body.unlockInSeconds <= 900);
    assert.equal(device.counters.failedLogins, before.failed);
    assert.equal(device.counters.lockRejections, before.rejected, 'the lock was not restarted');
  });

  it('exits 5 when the device does not answer in time', async () => {
    const device = await sim.device();
    device.faults.inject({ kind: 'hang' });
    const run = await runCli(statusArgs(device, '--json', '--timeout', '0.3'), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 5);
    assert.deepEqual(JSON.parse(run.stdout), { error: 'timeout', phase: 'response' });
  });

  it('exits 5 when nothing listens at the address', async () => {
    const device = await sim.device();
    const args = statusArgs(device, '--json');
    await device.close();
    const run = await runCli(args, { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 5);
    assert.equal((JSON.parse(run.stdout) as { error: string }).error, 'unreachable');
  });

  it('exits 6 when the device answers with an ISAPI error', async () => {
    const device = await sim.device();
    device.faults.inject({ kind: 'busy', withCredentials: true });
    const run = await runCli(statusArgs(device, '--json'), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(run.code, 6);
    const body = JSON.parse(run.stdout) as { error: string; code: string; statusCode: number };
    assert.equal(body.error, 'isapi');
    assert.equal(body.code, 'HIK_ERR_DEVICE_BUSY');
    assert.equal(body.statusCode, 2);
  });

  it('checks the certificate fingerprint given with --fingerprint', async () => {
    const device = await sim.device({}, true);
    const first = await runCli(statusArgs(device, '--https', '--json'), { HIK_PW: ADMIN_PASSWORD });
    assert.equal(first.code, 0, first.stderr);
    const fingerprint = (JSON.parse(first.stdout) as { tlsFingerprint: string }).tlsFingerprint;
    assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const same = await runCli(statusArgs(device, '--https', '--json', '--fingerprint', fingerprint), {
      HIK_PW: ADMIN_PASSWORD,
    });
    assert.equal(same.code, 0, same.stderr);

    device.useCertificate(device.certificateName === 'a' ? 'b' : 'a');
    const before = device.counters.requests;
    const changed = await runCli(statusArgs(device, '--https', '--json', '--fingerprint', fingerprint), {
      HIK_PW: ADMIN_PASSWORD,
    });
    assert.equal(changed.code, 9, 'a changed certificate has its own exit code');
    const body = JSON.parse(changed.stdout) as { error: string; fingerprint: string; pinned: string };
    assert.equal(body.error, 'certificate_changed');
    assert.equal(body.pinned, fingerprint);
    assert.match(body.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.notEqual(body.fingerprint, fingerprint);
    assert.equal(device.counters.requests, before);
  });

  describe('usage errors exit 2', () => {
    const cases: [string, string[], NodeJS.ProcessEnv][] = [
      ['no host', ['status', '--password-env', 'HIK_PW'], { HIK_PW: 'x' }],
      ['a password on the command line', ['status', '--host', '127.0.0.1', '--password', 'Secret-1'], {}],
      ['an unknown option', ['status', '--host', '127.0.0.1', '--frobnicate'], {}],
      ['a bad port', ['status', '--host', '127.0.0.1', '--port', '70000'], {}],
      ['an unknown command', ['statsu'], {}],
      ['no command', [], {}],
    ];
    for (const [label, args, env] of cases) {
      it(label, async () => {
        const run = await runCli(args, env);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /Usage: hik-guard/);
        assert.ok(!run.stderr.includes('Secret-1'));
      });
    }

    it('an empty password variable, before anything is sent', async () => {
      const device = await sim.device();
      const run = await runCli(statusArgs(device), {});
      assert.equal(run.code, 2);
      assert.match(run.stderr, /HIK_PW is not set/);
      assert.equal(device.counters.authenticatedRequests + device.counters.failedLogins, 0);
    });
  });

  it('works as a real process through the package bin, with the exit code and JSON contract', async () => {
    const device = await sim.device();
    const cli = join(__dirname, '..', '..', 'cli', 'hik-guard.ts');
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', cli, ...statusArgs(device, '--json')], {
      env: { ...process.env, HIK_PW: ADMIN_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const status = JSON.parse(stdout) as Record<string, unknown>;
    for (const key of ['serial', 'model', 'firmware', 'deviceType', 'mac', 'activated']) {
      assert.ok(key in status, `JSON lacks ${key}`);
    }
    assert.ok(!stdout.includes(ADMIN_PASSWORD));
  });
});
