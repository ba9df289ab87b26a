/**
 * A password a device refused is not sent again by a later `hik-guard` process either: the CLI
 * remembers refusals in a small state file (a keyed hash, never the password), consulted by the
 * login guard at start. Checked with real processes against a simulated device, and on the file
 * itself (expiry, clearing on success, no password or plain hash of one in it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RefusalFile, refusalFilePath, REFUSAL_TTL_MS } from '../../cli/refusal-file';
import { LoginGuardRefusedError } from '../../lib/errors';
import { LoginGuard } from '../../lib/isapi/login-guard';
import type { LockInfo } from '../../lib/isapi/response-status';
import type { SimDevice } from '../../sim';
import { ADMIN_PASSWORD, SimHarness } from '../support/sim-devices';

/** A wrong password that must never appear in the state file, in clear or as a plain hash. */
const CANARY = 'Canary-Wr0ng-Pw-5521';
const NO_LOCK: LockInfo = { locked: false, unlockInSeconds: null, retriesLeft: 4 };

interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `hik-guard` as its own process, as a user runs it (through tsx, like the package bin). */
function runProcess(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  const cli = join(__dirname, '..', '..', 'cli', 'hik-guard.ts');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', cli, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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

/** Every plain hash of the password someone might try to match against a leaked file. */
function plainHashes(password: string): string[] {
  const out: string[] = [];
  for (const input of [password, `admin:${password}`, `admin\0${password}`]) {
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) {
      const digest = createHash(algorithm).update(input).digest();
      out.push(digest.toString('hex'), digest.toString('base64'), digest.toString('base64url'));
    }
  }
  return out;
}

function noWarning(message: string): void {
  throw new Error(`unexpected warning: ${message}`);
}

function assertNothingOfThePassword(text: string, password: string): void {
  assert.ok(!text.includes(password), 'the password itself is in the state file');
  for (const hash of plainHashes(password))
    assert.ok(!text.includes(hash), `a plain hash (${hash}) is in it`);
}

describe('hik-guard remembers refused passwords across runs', function () {
  this.timeout(60_000);
  const sim = new SimHarness();
  let dir = '';
  let stateFile = '';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hik-guard-refusals-'));
    stateFile = join(dir, 'state', 'refusals.json');
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second process refuses a password the device refused, without sending it', async () => {
    const device = await sim.device();
    const env = { HIK_PW: CANARY, HIK_GUARD_REFUSALS_FILE: stateFile };

    const first = await runProcess(statusArgs(device), env);
    assert.equal(first.code, 3, first.stderr);
    assert.equal(device.counters.failedLogins, 1);
    // Text mode tells the login attempts the device says are left.
    assert.match(first.stderr, /the device reports \d+ login attempts? left before it locks/);
    const deviceInfoRequests = device.counters.requestsByPath.get('GET /ISAPI/System/deviceInfo');

    const second = await runProcess(statusArgs(device, '--json'), env);
    assert.equal(second.code, 3, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), {
      error: 'auth_failed',
      retriesLeft: null,
      refusedBefore: true,
    });
    assert.match(second.stderr, /already rejected by the device/);
    assert.match(second.stderr, /not sent again/);
    assert.ok(second.stderr.includes(stateFile), 'the message names the state file');
    assert.equal(device.counters.failedLogins, 1, 'the second run spent no login attempt');
    assert.equal(
      device.counters.requestsByPath.get('GET /ISAPI/System/deviceInfo'),
      deviceInfoRequests,
      'the second run sent no authenticated request at all',
    );

    // The right password still works, and nothing of either password is on screen or on disk.
    const right = await runProcess(statusArgs(device), { ...env, HIK_PW: ADMIN_PASSWORD });
    assert.equal(right.code, 0, right.stderr);
    const text = readFileSync(stateFile, 'utf8');
    assertNothingOfThePassword(text, CANARY);
    assertNothingOfThePassword(text, ADMIN_PASSWORD);
    for (const run of [first, second, right]) {
      assert.ok(!(run.stdout + run.stderr).includes(CANARY), 'the password on screen');
    }
    if (process.platform !== 'win32') assert.equal(statSync(stateFile).mode & 0o777, 0o600);
  });

  it('keeps the state file beside --vault when one is given', () => {
    assert.equal(
      refusalFilePath({ HOME: '/home/u' }, join(dir, 'v', 'vault.json')),
      join(dir, 'v', 'refusals.json'),
    );
    assert.equal(refusalFilePath({ HOME: '/home/u' }, undefined), '/home/u/.cache/hik-guard/refusals.json');
    assert.equal(
      refusalFilePath({ HOME: '/home/u', XDG_CACHE_HOME: '/c' }, undefined),
      '/c/hik-guard/refusals.json',
    );
    assert.equal(refusalFilePath({ HOME: '/h', HIK_GUARD_REFUSALS_FILE: stateFile }, 'v.json'), stateFile);
    assert.equal(refusalFilePath({}, undefined), null);
  });

  describe('the state file', () => {
    const WRONG = { username: 'admin', password: CANARY };

    function clock(start = Date.parse('2026-12-01T00:00:00Z')) {
      let now = start;
      return { now: () => now, advance: (ms: number) => (now += ms) };
    }

    it('is read by a later guard, which refuses before anything is sent', async () => {
      const warnings: string[] = [];
      const first = new LoginGuard({ refusals: new RefusalFile(stateFile, (m) => warnings.push(m)) });
      (await first.beginAttempt('127.0.0.1:8080', WRONG)).failed(NO_LOCK);
      const later = new LoginGuard({ refusals: new RefusalFile(stateFile, (m) => warnings.push(m)) });
      const err = await later.beginAttempt('127.0.0.1:8080', WRONG).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof LoginGuardRefusedError);
      assert.equal(err.reason, 'credential_failed_before');
      // Another device, or another user name, is not affected.
      (await later.beginAttempt('127.0.0.2:8080', WRONG)).inconclusive();
      (await later.beginAttempt('127.0.0.1:8080', { username: 'operator', password: CANARY })).inconclusive();
      assert.deepEqual(warnings, []);
    });

    it('finds a refusal under the host key once the device is known by its serial too', async () => {
      const first = new LoginGuard({ refusals: new RefusalFile(stateFile, noWarning) });
      first.linkHostToSerial('127.0.0.1:8080', 'SN1');
      (await first.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
      const byHost = new LoginGuard({ refusals: new RefusalFile(stateFile, noWarning) });
      assert.equal(byHost.hasFailed('127.0.0.1:8080', WRONG), true);
      assert.equal(byHost.hasFailed('SN1', WRONG), true);
    });

    it('forgets a refusal after 30 days, or at once when that credential logs in', async () => {
      const time = clock();
      const first = new LoginGuard({ refusals: new RefusalFile(stateFile, noWarning, time.now) });
      (await first.beginAttempt('SN1', WRONG)).failed(NO_LOCK);
      time.advance(REFUSAL_TTL_MS - 60_000);
      assert.equal(new RefusalFile(stateFile, noWarning, time.now).wasRefused(['SN1'], WRONG), true);
      time.advance(60_000);
      assert.equal(new RefusalFile(stateFile, noWarning, time.now).wasRefused(['SN1'], WRONG), false);

      time.advance(-REFUSAL_TTL_MS);
      const file = new RefusalFile(stateFile, noWarning, time.now);
      assert.equal(file.wasRefused(['SN1'], WRONG), true);
      // The device has that password now (reset by its owner): a login that succeeds clears it.
      file.forget(['SN1'], WRONG);
      assert.equal(new RefusalFile(stateFile, noWarning, time.now).wasRefused(['SN1'], WRONG), false);
      assertNothingOfThePassword(readFileSync(stateFile, 'utf8'), CANARY);
    });

    it('a damaged file is reported and replaced, never fatal', () => {
      writeFileSync(stateFile.replace('state/refusals.json', 'damaged.json'), '{not json');
      const warnings: string[] = [];
      const file = new RefusalFile(stateFile.replace('state/refusals.json', 'damaged.json'), (m) =>
        warnings.push(m),
      );
      assert.equal(file.wasRefused(['SN1'], WRONG), false);
      assert.equal(warnings.length, 1);
      file.remember(['SN1'], WRONG);
      assert.equal(new RefusalFile(file.path, noWarning).wasRefused(['SN1'], WRONG), true);
      assert.ok(!existsSync(stateFile), 'nothing written elsewhere');
    });
  });
});
