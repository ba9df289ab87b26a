import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultWriteError } from '../../../lib/errors';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import { FailingDisk, VAULT_WRITE_STEPS } from '../../support/failing-disk';
import { CANARY, CANARY_PENDING, errorText, SHARED_SECRET, TempDirs } from './fixtures/vault-temp';

describe('vault writes on a full disk', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  afterEach(() => temp.removeAll());

  async function setUp() {
    const dir = await temp.make();
    const file = join(dir, 'vault.json');
    const disk = new FailingDisk();
    const vault = await CredentialVault.open(file, SHARED_SECRET, { fileSystem: disk });
    await vault.enrol({ serial: 'S1', username: 'admin', password: CANARY });
    return { dir, file, disk, vault };
  }

  it('goes through exactly the six steps named in the errors', async () => {
    const { disk, vault } = await setUp();
    disk.calls.length = 0;
    await vault.update('S1', { host: '127.0.0.1' });
    assert.deepEqual(disk.calls, ['writeNewFile', 'rename', 'syncDir', 'writeNewFile', 'rename', 'syncDir']);
    await vault.close();
  });

  VAULT_WRITE_STEPS.forEach((step) => {
    it(`ENOSPC at ${step}: the change is refused, memory and the previous file are intact`, async () => {
      const { dir, file, disk, vault } = await setUp();
      const before = await readFile(file);
      disk.arm(0, step);
      const err = await vault.writePending('S1', CANARY_PENDING).then(
        () => assert.fail('the write succeeded on a full disk'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof VaultWriteError);
      assert.equal(err.step, step);
      assert.equal(err.osCode, 'ENOSPC');
      assert.ok(!errorText(err).includes(CANARY_PENDING) && !errorText(err).includes(CANARY));
      // Memory never claims what the disk may not hold.
      assert.equal(vault.get('S1')!.pending, null);
      assert.deepEqual(vault.pendingSerials(), []);
      if (step !== 'main:sync-dir') {
        assert.deepEqual(await readFile(file), before, 'the previous file was changed');
      }
      // Whatever the disk holds opens, as the old state or (only after the rename) the new one.
      const onDisk = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
      assert.equal(onDisk.recovery, null);
      assert.ok(['ok', 'pending'].includes(onDisk.get('S1')!.state));
      assert.deepEqual(
        (await readdir(dir)).filter((name) => name.includes('.tmp-')),
        [],
        'a temp file was left behind',
      );
      // Space is back: the same change now goes through and lasts.
      await vault.writePending('S1', CANARY_PENDING);
      await vault.close();
      const reread = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
      assert.equal(reread.get('S1')!.pending!.password, CANARY_PENDING);
      assert.equal(reread.get('S1')!.password, CANARY);
    });
  });

  it('a failed commit leaves the pending password in place, so reconcile can still find it', async () => {
    const { file, disk, vault } = await setUp();
    await vault.writePending('S1', CANARY_PENDING);
    disk.arm(0, 'main:write');
    await assert.rejects(vault.commitPending('S1'), VaultWriteError);
    assert.equal(vault.get('S1')!.pending!.password, CANARY_PENDING);
    assert.equal(vault.get('S1')!.password, CANARY);
    await vault.close();
    const reread = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.deepEqual(reread.pendingSerials(), ['S1']);
  });
});
