import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedSadpSockets } from '../../lib/runtime';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { SimFleet, type SimDevice } from '../../sim';
import { runCli } from '../support/cli-run';

const KEY = 'cli-activate-vault-key';
const CANARY = 'Canary-Act1vate-5';
const FRESH = 'DS-2CD2386G2-IU20240201AAWRJ00000701';
const KNOWN = 'DS-2CD2143G2-I20230511AAWRJ00000702';

describe('hik-guard activate', function () {
  this.timeout(20_000);
  let fleet: SimFleet;
  let fresh: SimDevice;
  let known: SimDevice;
  let dir: string;
  let vaultFile: string;
  const env = { HIK_GUARD_VAULT_KEY: KEY };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-cli-activate-'));
    vaultFile = join(dir, 'vault.json');
    fleet = await SimFleet.start({
      devices: [
        { adminPassword: null, serialNumber: FRESH, macAddress: '44:19:b6:5e:07:01' },
        { adminPassword: CANARY, serialNumber: KNOWN, macAddress: '44:19:b6:5e:07:02' },
      ],
      port: 0,
      sadp: { announceOnStart: false },
    });
    [fresh, known] = fleet.devices as [SimDevice, SimDevice];
    known.profile.rebootMs = 20;
  });
  afterEach(async () => {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
    assert.equal(sharedSadpSockets().openSockets, 0, 'the command closed its sockets');
    for (const device of [fresh, known]) assert.equal(device.counters.locksTriggered, 0);
  });

  async function vaultRecord(serial: string) {
    const vault = await CredentialVault.open(vaultFile, KEY);
    try {
      return vault.get(serial);
    } finally {
      await vault.close();
    }
  }

  const activate = (device: SimDevice, ...extra: string[]) =>
    runCli(['activate', '--host', device.host!, '--vault', vaultFile, ...extra], env);

  it('claims an inactive device: the vault holds the password the device now has, never printed', async () => {
    const run = await activate(fresh, '--json');
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as {
      serial: string;
      result: string;
      evidence: Record<string, unknown>;
    };
    assert.equal(body.serial, FRESH);
    assert.equal(body.result, 'reclaimed');
    assert.equal(body.evidence.verified, true);
    assert.equal(fresh.state.activated, true);
    const record = await vaultRecord(FRESH);
    assert.ok(record);
    assert.equal(record.state, 'ok');
    assert.equal(record.pending, null);
    assert.equal(record.password, fresh.state.admin.password, 'the vault holds the device’s password');
    assert.deepEqual([record.host, record.port, record.protocol], [fresh.host, fresh.port, 'http']);
    assert.ok(!run.stdout.includes(record.password) && !run.stderr.includes(record.password));
    assert.ok(!(await readFile(vaultFile, 'utf8')).includes(record.password), 'the vault file is encrypted');
    assert.equal(fresh.counters.activations, 1);
    assert.equal(fresh.counters.failedLogins, 0);
  });

  it('refuses a second activate of the now active device without a login', async () => {
    assert.equal((await activate(fresh)).code, 0);
    const authenticated = fresh.counters.authenticatedRequests;
    const password = (await vaultRecord(FRESH))?.password;
    const again = await activate(fresh);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /refused: not inactive/);
    assert.equal(fresh.counters.authenticatedRequests, authenticated, 'no login was spent');
    assert.equal(fresh.counters.failedLogins, 0);
    assert.equal(fresh.counters.activations, 1);
    assert.equal((await vaultRecord(FRESH))?.password, password, 'the vault is unchanged');
  });

  it('re-claims a reset device the vault knows: the old password stays in its history', async () => {
    const vault = await CredentialVault.open(vaultFile, KEY);
    await vault.enrol({
      serial: KNOWN,
      username: 'admin',
      password: CANARY,
      host: known.host!,
      port: known.port!,
      protocol: 'http',
    });
    await vault.close();
    await known.factoryReset();
    const run = await activate(known);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Serial +${KNOWN}$`, 'm'));
    assert.match(run.stdout, /^Result +activated$/m);
    assert.match(run.stdout, new RegExp(`hik-guard vault show ${KNOWN}`));
    const record = await vaultRecord(KNOWN);
    assert.ok(record);
    assert.equal(record.password, known.state.admin.password);
    assert.notEqual(record.password, CANARY);
    assert.equal(record.previous[0]?.password, CANARY);
    assert.ok(!run.stdout.includes(record.password) && !run.stdout.includes(CANARY));
    assert.equal(known.counters.failedLogins, 0);
  });

  it('exits 5 when nothing answers SADP at the address, having changed nothing', async () => {
    const run = await runCli(['activate', '--host', '127.0.0.250', '--vault', vaultFile, '--json'], env);
    assert.equal(run.code, 5, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'HIK_ERR_UNREACHABLE');
    assert.equal(await vaultRecord(FRESH), undefined);
  });

  it('rejects unusable options and a missing vault key with exit code 2', async () => {
    for (const args of [
      ['--vault', vaultFile],
      ['--host', '127.0.0.1'],
      ['--host', '127.0.0.1', '--vault', vaultFile, '--port', '70000'],
      ['--host', '127.0.0.1', '--vault', vaultFile, '--password', 'x'],
    ]) {
      const run = await runCli(['activate', ...args], env);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /Usage: hik-guard activate/);
    }
    const noKey = await runCli(['activate', '--host', fresh.host!, '--vault', vaultFile]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no vault key/);
    assert.equal(fresh.counters.requests, 0);
  });
});
