import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { VaultLockedError, WrongVaultKeyError } from '../../../lib/errors';
import { sharedVault, sharedVaults } from '../../../lib/runtime';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import { VaultRegistry } from '../../../lib/vault/vault-registry';
import { CANARY, errorText, SECRET, TempDirs } from './fixtures/vault-temp';

describe('VaultRegistry (one open vault per file per process)', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  const registry = new VaultRegistry();

  afterEach(async () => {
    await registry.closeAll();
    await temp.removeAll();
  });

  it('gives every caller the same instance, also for a relative spelling of the path', async () => {
    const file = join(await temp.make(), 'vault.json');
    const [a, b] = await Promise.all([registry.open(file, SECRET), registry.open(file, SECRET)]);
    assert.equal(a, b);
    assert.equal(await registry.open(relative(process.cwd(), file), SECRET), a);
  });

  it('refuses a different secret for an open file without touching it', async () => {
    const file = join(await temp.make(), 'vault.json');
    const vault = await registry.open(file, SECRET);
    await vault.enrol({ serial: 'S1', username: 'admin', password: CANARY });
    const err = await registry.open(file, 'another-secret').then(
      () => assert.fail('opened with another secret'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WrongVaultKeyError);
    assert.ok(!errorText(err).includes('another-secret'));
    assert.equal((await registry.open(file, SECRET)).get('S1')!.password, CANARY);
  });

  it('reopens after close, and does not remember a failed open', async () => {
    const file = join(await temp.make(), 'vault.json');
    const first = await registry.open(file, SECRET);
    await registry.close(file);
    assert.ok(first.isClosed);
    const outsider = await CredentialVault.open(file, SECRET);
    await assert.rejects(registry.open(file, SECRET), VaultLockedError);
    await outsider.close();
    const second = await registry.open(file, SECRET);
    assert.notEqual(second, first);
    await second.close();
    const third = await registry.open(file, SECRET);
    assert.notEqual(third, second, 'handed out a closed vault');
  });

  it('sharedVault uses the process-wide registry', async () => {
    const file = join(await temp.make(), 'vault.json');
    const vault = await sharedVault(file, SECRET);
    try {
      assert.equal(await sharedVaults().open(file, SECRET), vault);
    } finally {
      await sharedVaults().close(file);
    }
    assert.ok(vault.isClosed);
  });
});
