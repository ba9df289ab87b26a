import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { VaultCorruptError, WrongVaultKeyError } from '../../../lib/errors';
import { CredentialVault, VaultSecret, type VaultRecord } from '../../../lib/vault/credential-vault';
import { CANARY, CANARY_PENDING, errorText, SHARED_SECRET, TempDirs } from './fixtures/vault-temp';

/**
 * Damage to the main file, as a torn write on a careless file system or an editor would cause:
 * the vault opens from the last good copy (and says so) or fails with a clear error; it never
 * opens as if empty and never overwrites the good copy.
 */
describe('vault damage and recovery', function () {
  this.timeout(60_000);
  const temp = new TempDirs();
  let file: string;
  /** State in `.bak` (one enrolled device) and in the main file (the same with a pending password). */
  let older: VaultRecord[];
  let newer: VaultRecord[];
  let good: Buffer;
  let backup: Buffer;

  beforeEach(async () => {
    const dir = await temp.make();
    file = join(dir, 'vault.json');
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    await vault.enrol({ serial: 'S1', username: 'admin', password: CANARY });
    older = vault.list();
    await vault.writePending('S1', CANARY_PENDING);
    newer = vault.list();
    await vault.close();
    good = await readFile(file);
    backup = await readFile(`${file}.bak`);
  });

  afterEach(() => temp.removeAll());

  async function openReadOnly(): Promise<CredentialVault> {
    return CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
  }

  /** Asserts an open of the damaged file gives either the newest state or the backup's, flagged. */
  async function assertRecovers(label: string): Promise<void> {
    const vault = await openReadOnly();
    if (vault.recovery) {
      assert.deepEqual(vault.list(), older, `${label}: recovered something other than the backup`);
      assert.equal(vault.recovery.from, `${file}.bak`);
    } else {
      assert.deepEqual(vault.list(), newer, `${label}: opened damaged content without saying so`);
    }
  }

  it('opens from the backup at every truncation point of the main file', async () => {
    assert.ok(good.length > 300);
    for (let length = 0; length < good.length; length++) {
      await writeFile(file, good.subarray(0, length));
      await assertRecovers(`truncated to ${length}`);
    }
  });

  it('fails with VaultCorruptError at every truncation point when there is no backup', async () => {
    await rm(`${file}.bak`);
    for (let length = 0; length < good.length - 1; length++) {
      await writeFile(file, good.subarray(0, length));
      const err = await openReadOnly().then(
        () => assert.fail(`opened a vault truncated to ${length} bytes`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof VaultCorruptError, `truncated to ${length}: ${String(err)}`);
      assert.deepEqual(err.keptCopies, [file]);
    }
    // Only the final newline missing: the content is whole.
    await writeFile(file, good.subarray(0, good.length - 1));
    assert.deepEqual((await openReadOnly()).list(), newer);
  });

  it('detects random byte changes anywhere in the main file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, mask) => {
          const damaged = Buffer.from(good);
          damaged[at] = damaged[at]! ^ mask;
          await writeFile(file, damaged);
          await assertRecovers(`byte ${at} ^ ${mask}`);
        },
      ),
      { numRuns: 400, seed: 4 },
    );
  });

  it('a writable open restores the main file from the backup and keeps the damaged one aside', async () => {
    const torn = good.subarray(0, Math.floor(good.length / 2));
    await writeFile(file, torn);
    const told: unknown[] = [];
    const vault = await CredentialVault.open(file, SHARED_SECRET, { onRecovered: (r) => told.push(r) });
    try {
      assert.deepEqual(vault.list(), older);
      assert.equal(told.length, 1);
      const aside = vault.recovery!.damagedCopy!;
      assert.deepEqual(await readFile(aside), torn);
      assert.deepEqual(await readFile(file), backup, 'main not restored from the backup');
      assert.deepEqual(await readFile(`${file}.bak`), backup, 'the good copy was touched');
      await vault.writePending('S1', 'after-recovery');
    } finally {
      await vault.close();
    }
    const reread = await openReadOnly();
    assert.equal(reread.recovery, null);
    assert.equal(reread.get('S1')!.pending!.password, 'after-recovery');
  });

  it('opens from the backup when the main file is missing', async () => {
    await rm(file);
    const vault = await openReadOnly();
    assert.deepEqual(vault.list(), older);
    assert.match(vault.recovery!.detail, /missing/);
  });

  it('both copies damaged: VaultCorruptError naming both, and neither is changed', async () => {
    await writeFile(file, good.subarray(0, 100));
    await writeFile(`${file}.bak`, backup.subarray(0, 100));
    const err = await CredentialVault.open(file, SHARED_SECRET).then(
      () => assert.fail('opened'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof VaultCorruptError);
    assert.deepEqual(err.keptCopies, [file, `${file}.bak`]);
    assert.ok(!errorText(err).includes(CANARY));
    assert.deepEqual(await readFile(file), good.subarray(0, 100));
    assert.deepEqual(await readFile(`${file}.bak`), backup.subarray(0, 100));
    assert.ok(!(await readdir(join(file, '..'))).some((name) => name.includes('corrupt')));
  });

  it('a damaged main file with a wrong key is reported as a wrong key', async () => {
    await writeFile(file, good.subarray(0, 50));
    await assert.rejects(
      CredentialVault.open(file, new VaultSecret('wrong'), { readOnly: true }),
      WrongVaultKeyError,
    );
  });

  describe('tampering the per-record encryption and the seal catch', () => {
    let two: Buffer;

    beforeEach(async () => {
      const vault = await CredentialVault.open(file, SHARED_SECRET);
      await vault.enrol({ serial: 'S2', username: 'admin', password: 'second-device-pw' });
      await vault.close();
      two = await readFile(file);
      await rm(`${file}.bak`);
    });

    function edit(change: (json: { records: { serial: string; box: string }[] }) => void): Buffer {
      const json = JSON.parse(two.toString('utf8')) as { records: { serial: string; box: string }[] };
      change(json);
      return Buffer.from(JSON.stringify(json));
    }

    const cases: [string, (json: { records: { serial: string; box: string }[] }) => void][] = [
      [
        'boxes swapped between serials',
        (j) => ([j.records[0]!.box, j.records[1]!.box] = [j.records[1]!.box, j.records[0]!.box]),
      ],
      ['a record dropped', (j) => j.records.pop()],
      ['a record duplicated', (j) => j.records.push(j.records[0]!)],
      ['a serial renamed', (j) => (j.records[0]!.serial = 'S9')],
    ];
    for (const [name, change] of cases) {
      it(`${name}: VaultCorruptError, never a shorter or mixed vault`, async () => {
        await writeFile(file, edit(change));
        await assert.rejects(openReadOnly(), VaultCorruptError);
      });
    }
  });
});
