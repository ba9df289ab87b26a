import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, VaultPendingExistsError } from '../../../lib/errors';
import { CredentialVault, type AccountRecord } from '../../../lib/vault/credential-vault';
import { CANARY, CANARY_PENDING, leaks, SHARED_SECRET, TempDirs } from './fixtures/vault-temp';

const SERIAL = 'DS-2CD2386G2-IU20240201AAWRJ00000001';
const STREAM_PASSWORD = 'canary-Str3am-a8e2';
const STREAM_NEXT = 'canary-Str3am-next-77';
const T0 = Date.parse('2025-03-01T10:00:00.000Z');

/** The streaming account of the test device; fails the test when the vault has none. */
function streaming(vault: CredentialVault): AccountRecord {
  const account = vault.get(SERIAL)?.accounts.streaming;
  assert.ok(account, 'the vault holds a streaming account');
  return account;
}

describe('CredentialVault named accounts', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  const open: CredentialVault[] = [];

  async function openVault(file: string): Promise<CredentialVault> {
    const vault = await CredentialVault.open(file, SHARED_SECRET, { clock: () => T0 });
    open.push(vault);
    return vault;
  }

  async function enrolled(): Promise<{ vault: CredentialVault; file: string }> {
    const file = join(await temp.make(), 'vault.json');
    const vault = await openVault(file);
    await vault.enrol({ serial: SERIAL, username: 'admin', password: CANARY });
    return { vault, file };
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((v) => v.close()));
    await temp.removeAll();
  });

  it('loads a vault file written before named accounts existed, pending admin change intact', async () => {
    // Written by the release before this change (lib/vault at 98617a1) with the test secret.
    const file = join(await temp.make(), 'vault.json');
    await copyFile(join(__dirname, 'fixtures', 'vault-before-accounts.json'), file);
    const vault = await openVault(file);
    const record = vault.get(SERIAL);
    assert.ok(record);
    assert.deepEqual(record.accounts, {});
    assert.equal(record.password, CANARY);
    assert.equal(record.pending?.password, CANARY_PENDING);
    assert.ok(record.pending.requestSentAt);
    // It can be written in the new shape and read back.
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    await vault.close();
    const again = await openVault(file);
    assert.equal(streaming(again).pending?.password, STREAM_PASSWORD);
    assert.equal(again.get(SERIAL)?.pending?.password, CANARY_PENDING);
  });

  it('creates an account write-ahead: pending without a password, then committed with its user id', async () => {
    const { vault, file } = await enrolled();
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    let account = streaming(vault);
    assert.equal(account.password, null);
    assert.equal(account.pending?.requestSentAt, null);
    await vault.noteAccountRequestSent(SERIAL, 'streaming');
    assert.ok(streaming(vault).pending?.requestSentAt);
    await vault.commitAccountPending(SERIAL, 'streaming', { userId: 3 });
    account = streaming(vault);
    assert.deepEqual(account, {
      username: 'hikstream',
      password: STREAM_PASSWORD,
      pending: null,
      previous: [],
      userId: 3,
      lastRotation: null,
    });
    // The admin's own slot is untouched and the file holds no password in any form.
    assert.equal(vault.get(SERIAL)?.password, CANARY);
    assert.equal(vault.get(SERIAL)?.state, 'ok');
    const bytes = await readFile(file);
    assert.ok(!leaks(bytes, STREAM_PASSWORD));
  });

  it('rotates an account: the old password goes to its history; same pending again is a no-op, another refused', async () => {
    const { vault } = await enrolled();
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    await vault.commitAccountPending(SERIAL, 'streaming', { userId: 3 });
    await vault.writeAccountPending(SERIAL, 'streaming', { username: 'hikstream', password: STREAM_NEXT });
    await vault.writeAccountPending(SERIAL, 'streaming', { username: 'hikstream', password: STREAM_NEXT });
    await assert.rejects(
      vault.writeAccountPending(SERIAL, 'streaming', { username: 'hikstream', password: 'another-one-1A' }),
      VaultPendingExistsError,
    );
    await assert.rejects(
      vault.writeAccountPending(SERIAL, 'streaming', { username: 'renamed', password: STREAM_NEXT }),
      InvalidArgumentError,
    );
    // A pending account change is not an admin change: the record's own state stays ok.
    assert.equal(vault.get(SERIAL)?.state, 'ok');
    assert.deepEqual(vault.pendingSerials(), []);
    await vault.commitAccountPending(SERIAL, 'streaming', { userId: 3 });
    const account = streaming(vault);
    assert.equal(account.password, STREAM_NEXT);
    assert.deepEqual(
      account.previous.map((p) => p.password),
      [STREAM_PASSWORD],
    );
    assert.equal(account.lastRotation, new Date(T0).toISOString());
  });

  it('discarding a creation that never reached the device forgets the account; a rotation keeps it', async () => {
    const { vault } = await enrolled();
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    await vault.discardAccountPending(SERIAL, 'streaming');
    assert.deepEqual(vault.get(SERIAL)?.accounts, {});
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    await vault.commitAccountPending(SERIAL, 'streaming', { userId: 4 });
    await vault.writeAccountPending(SERIAL, 'streaming', { username: 'hikstream', password: STREAM_NEXT });
    await vault.discardAccountPending(SERIAL, 'streaming');
    assert.equal(streaming(vault).password, STREAM_PASSWORD);
    assert.equal(streaming(vault).pending, null);
  });

  it("refuses 'admin' and malformed account names, and masks account passwords in a reason", async () => {
    const { vault } = await enrolled();
    for (const name of ['admin', 'Streaming', '', 'a b', 'x'.repeat(33)]) {
      await assert.rejects(
        vault.writeAccountPending(SERIAL, name, { username: 'u', password: STREAM_PASSWORD }),
        InvalidArgumentError,
        name,
      );
    }
    await vault.writeAccountPending(SERIAL, 'streaming', {
      username: 'hikstream',
      password: STREAM_PASSWORD,
    });
    await vault.markNeedsAttention(SERIAL, `saw ${STREAM_PASSWORD} somewhere`);
    assert.ok(!vault.get(SERIAL)?.attentionReason?.includes(STREAM_PASSWORD));
  });
});
