import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { runCli } from '../support/cli-run';
import { ADMIN_PASSWORD, enrolSimDevice, SimHarness } from '../support/sim-devices';

const KEY = 'cli-stream-account-vault-key';
const ENV = { HIK_GUARD_VAULT_KEY: KEY };

describe('hik-guard stream-account', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  let dir: string;
  let vaultFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-cli-stream-'));
    vaultFile = join(dir, 'vault.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await sim.stop();
  });

  async function enrolled() {
    const device = await sim.device();
    const vault = await CredentialVault.open(vaultFile, KEY);
    await enrolSimDevice(vault, device, ADMIN_PASSWORD);
    await vault.close();
    return device;
  }

  it('creates, shows and rotates the account; the admin password never changes; no password in create/rotate output', async () => {
    const device = await enrolled();
    const args = (sub: string, ...extra: string[]) => [
      'stream-account',
      sub,
      '--vault',
      vaultFile,
      '--serial',
      device.serialNumber,
      ...extra,
    ];
    const create = await runCli(args('create', '--allow-http-password-change', '--json'), ENV);
    assert.equal(create.code, 0, create.stderr);
    assert.deepEqual(JSON.parse(create.stdout), {
      serial: device.serialNumber,
      result: 'created',
      username: 'hikstream',
      userId: 2,
    });
    const password = device.state.userByName('hikstream')?.password;
    assert.ok(password);
    assert.ok(!create.stdout.includes(password));

    const show = await runCli(args('show', '--json'), ENV);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { password: string }).password, password);

    const rotate = await runCli(args('rotate', '--allow-http-password-change'), ENV);
    assert.equal(rotate.code, 0, rotate.stderr);
    assert.match(rotate.stdout, /rotated {2}hikstream/);
    const rotated = device.state.userByName('hikstream')?.password;
    assert.notEqual(rotated, password);
    assert.ok(rotated && !rotate.stdout.includes(rotated));
    assert.equal(device.state.admin.password, ADMIN_PASSWORD);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('refuses plain HTTP without the opt-in (nothing sent), a taken name (exit 6), and bad usage (exit 2)', async () => {
    const device = await enrolled();
    const base = ['--vault', vaultFile, '--serial', device.serialNumber];
    const plain = await runCli(['stream-account', 'create', ...base], ENV);
    assert.equal(plain.code, 6, plain.stderr);
    assert.equal(device.state.users.length, 1);
    device.state.addUser({ userName: 'hikstream', password: 'Someone-Else1' });
    const taken = await runCli(['stream-account', 'create', ...base, '--allow-http-password-change'], ENV);
    assert.equal(taken.code, 6);
    assert.match(taken.stderr, /already has a user named hikstream/);
    assert.equal((await runCli(['stream-account', 'remove', ...base], ENV)).code, 2);
    assert.equal((await runCli(['stream-account', 'rotate', '--vault', vaultFile], ENV)).code, 2);
    const rotateMissing = await runCli(
      ['stream-account', 'rotate', ...base, '--allow-http-password-change'],
      ENV,
    );
    assert.equal(rotateMissing.code, 6);
    assert.match(rotateMissing.stderr, /create it first/);
  });
});
