import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import type { CliIo } from '../../cli/cli-io';
import { LoginGuard } from '../../lib/isapi/login-guard';
import { CredentialVault } from '../../lib/vault/credential-vault';
import type { SimDevice } from '../../sim';
import { ADMIN_PASSWORD, SimHarness } from '../support/sim-devices';

const KEY = 'cli-rotation-vault-key';
const CANARY = 'Canary-R0tate-91';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in this process, as its own process would run: its own login guard, no terminal. */
async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => (chunks.out += c.toString()));
  stderr.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env, loginGuard: new LoginGuard() };
  const code = await main(args, io);
  return { code, stdout: chunks.out, stderr: chunks.err };
}

describe('hik-guard rotate and reconcile', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  let dir: string;
  let vaultFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-cli-rotate-'));
    vaultFile = join(dir, 'vault.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await sim.stop();
  });

  const rotateArgs = (device: SimDevice, ...extra: string[]) => [
    'rotate',
    '--host',
    device.host!,
    '--port',
    String(device.port),
    '--vault',
    vaultFile,
    '--password-env',
    'HIK_PW',
    '--settle',
    '0.01',
    ...extra,
  ];

  async function vaultRecord(serial: string) {
    const vault = await CredentialVault.open(vaultFile, KEY);
    try {
      return vault.get(serial);
    } finally {
      await vault.close();
    }
  }

  it('enrols on first use, rotates, and prints the result but never a password', async () => {
    const device = await sim.device({ adminPassword: CANARY });
    const run = await runCli(rotateArgs(device, '--allow-http-password-change', '--json'), {
      HIK_PW: CANARY,
      HIK_GUARD_VAULT_KEY: KEY,
    });
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(
      { ...body, rotatedAt: typeof body.rotatedAt },
      { serial: device.serialNumber, result: 'rotated', reason: null, rotatedAt: 'string', enrolled: true },
    );
    const record = await vaultRecord(device.serialNumber);
    assert.equal(record?.password, device.state.admin.password);
    assert.equal(record.previous[0]?.password, CANARY);
    for (const secret of [CANARY, device.state.admin.password ?? '']) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'a password was printed');
    }
    assert.ok(!(await readFile(vaultFile, 'utf8')).includes(CANARY), 'the vault file is encrypted');
  });

  it('rotates an enrolled device again from the vault alone, over HTTPS with the pinned certificate', async () => {
    const device = await sim.device({}, true);
    const env = { HIK_PW: ADMIN_PASSWORD, HIK_GUARD_VAULT_KEY: KEY };
    assert.equal((await runCli(rotateArgs(device, '--https'), env)).code, 0);
    const second = await runCli(rotateArgs(device, '--https'), { HIK_GUARD_VAULT_KEY: KEY });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Result {5}rotated/);
    const record = await vaultRecord(device.serialNumber);
    assert.equal(record?.password, device.state.admin.password);
    assert.equal(record.previous.length, 2);
    assert.ok(record.tlsPin);
  });

  it('refuses plain HTTP without --allow-http-password-change (usage, exit 2), and needs a vault key', async () => {
    const device = await sim.device();
    const noOptIn = await runCli(rotateArgs(device), { HIK_PW: ADMIN_PASSWORD, HIK_GUARD_VAULT_KEY: KEY });
    assert.equal(noOptIn.code, 2);
    assert.match(noOptIn.stderr, /--allow-http-password-change/);
    const noKey = await runCli(rotateArgs(device, '--allow-http-password-change'), {
      HIK_PW: ADMIN_PASSWORD,
    });
    assert.equal(noKey.code, 2);
    assert.equal(device.counters.requests, 0);
  });

  it('exits 3 when the enrolment password is wrong, after one attempt, enrolling nothing', async () => {
    const device = await sim.device();
    const run = await runCli(rotateArgs(device, '--allow-http-password-change'), {
      HIK_PW: CANARY,
      HIK_GUARD_VAULT_KEY: KEY,
    });
    assert.equal(run.code, 3);
    assert.equal(device.counters.failedLogins, 1);
    assert.equal(await vaultRecord(device.serialNumber), undefined);
    assert.ok(!run.stderr.includes(CANARY));
  });

  it('exits 8 when the vault key is wrong, touching nothing', async () => {
    const device = await sim.device();
    const env = { HIK_PW: ADMIN_PASSWORD, HIK_GUARD_VAULT_KEY: KEY };
    assert.equal((await runCli(rotateArgs(device, '--allow-http-password-change'), env)).code, 0);
    const before = await readFile(vaultFile);
    const run = await runCli(rotateArgs(device, '--allow-http-password-change'), {
      HIK_GUARD_VAULT_KEY: 'wrong',
    });
    assert.equal(run.code, 8);
    assert.deepEqual(await readFile(vaultFile), before);
  });

  it('reconcile settles a pending password and exits 7 when neither password works', async () => {
    const device = await sim.device();
    const vault = await CredentialVault.open(vaultFile, KEY);
    await vault.enrol({
      serial: device.serialNumber,
      username: 'admin',
      password: ADMIN_PASSWORD,
      host: device.host!,
      port: device.port!,
      protocol: 'http',
    });
    await vault.writePending(device.serialNumber, 'Pend1ng-Passw0rd');
    await vault.close();
    device.setPassword('admin', 'Pend1ng-Passw0rd');

    const settled = await runCli(['reconcile', '--vault', vaultFile, '--json'], { HIK_GUARD_VAULT_KEY: KEY });
    assert.equal(settled.code, 0, settled.stderr);
    assert.deepEqual(JSON.parse(settled.stdout), [
      { serial: device.serialNumber, resolution: 'pending', reason: null },
    ]);
    assert.ok(!settled.stdout.includes('Pend1ng'));

    const again = await CredentialVault.open(vaultFile, KEY);
    await again.writePending(device.serialNumber, 'Never-Appl1ed');
    await again.close();
    device.setPassword('admin', 'S0mebody-Else');
    const stuck = await runCli(
      ['reconcile', '--vault', vaultFile, '--host', device.host!, '--port', String(device.port)],
      {
        HIK_GUARD_VAULT_KEY: KEY,
      },
    );
    assert.equal(stuck.code, 7);
    assert.match(stuck.stdout, /needs_attention \(neither_password_works\)/);
    assert.equal(device.counters.failedLogins, 3, 'one for the first reconcile, two for the second');
  });
});
