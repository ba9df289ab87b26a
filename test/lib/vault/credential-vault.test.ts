import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  InvalidArgumentError,
  VaultCorruptError,
  VaultLockedError,
  VaultNotFoundError,
  VaultPendingExistsError,
  VaultRecordExistsError,
  VaultRecordMissingError,
  WrongVaultKeyError,
} from '../../../lib/errors';
import { CredentialVault, VaultSecret } from '../../../lib/vault/credential-vault';
import {
  CANARY,
  CANARY_PENDING,
  errorText,
  leaks,
  SECRET,
  SHARED_SECRET,
  TempDirs,
} from './fixtures/vault-temp';

const SERIAL = 'DS-2CD2386G2-IU20240201AAWRJ00000001';
const T0 = Date.parse('2025-03-01T10:00:00.000Z');

describe('CredentialVault', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  const open: CredentialVault[] = [];
  let now = T0;
  const clock = (): number => now;

  async function openVault(file: string, options: Parameters<typeof CredentialVault.open>[2] = {}) {
    const vault = await CredentialVault.open(file, SHARED_SECRET, { clock, ...options });
    open.push(vault);
    return vault;
  }

  async function newVault(): Promise<{ vault: CredentialVault; file: string; dir: string }> {
    const dir = await temp.make();
    const file = join(dir, 'hik-guard', 'vault.json');
    return { vault: await openVault(file), file, dir };
  }

  async function enrolled() {
    const made = await newVault();
    await made.vault.enrol({
      serial: SERIAL,
      username: 'admin',
      password: CANARY,
      host: '127.0.0.1',
      port: 8443,
    });
    return made;
  }

  afterEach(async () => {
    now = T0;
    await Promise.all(open.splice(0).map((v) => v.close()));
    await temp.removeAll();
  });

  it('creates the file (0600) and its folder (0700) and reads back what was enrolled', async () => {
    const { vault, file } = await enrolled();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(file, '..'))).mode & 0o777, 0o700);
    await vault.close();
    const again = await openVault(file);
    assert.deepEqual(again.get(SERIAL), {
      serial: SERIAL,
      username: 'admin',
      password: CANARY,
      pending: null,
      previous: [],
      tlsPin: null,
      lastRotation: null,
      lastVerification: null,
      state: 'ok',
      attentionReason: null,
      staleConsumers: [],
      accounts: {},
      host: '127.0.0.1',
      port: 8443,
      protocol: null,
      updatedAt: new Date(T0).toISOString(),
    });
  });

  it('writes a versioned format and no password in any form in the file bytes', async () => {
    const { vault, file } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING);
    const bytes = await readFile(file);
    const header = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    assert.equal(header.format, 'hik-guard-vault');
    assert.equal(header.version, 1);
    assert.ok((header.kdf as { N: number }).N >= 2 ** 15);
    for (const secret of [CANARY, CANARY_PENDING, SECRET, 'admin"']) {
      assert.ok(!leaks(bytes, secret), `${secret} readable in the vault file`);
      assert.ok(!leaks(await readFile(`${file}.bak`), secret), `${secret} readable in the backup`);
    }
  });

  it('shows no password, key or secret when the vault or its secret is logged', async () => {
    const { vault } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING);
    for (const shown of [
      inspect(vault, { depth: 10, showHidden: true }),
      JSON.stringify(vault),
      inspect(SHARED_SECRET),
    ]) {
      for (const secret of [CANARY, CANARY_PENDING, SECRET]) assert.ok(!shown.includes(secret), shown);
    }
  });

  it('returns copies: changing what get() or list() returned changes nothing', async () => {
    const { vault } = await enrolled();
    const copy = vault.get(SERIAL)!;
    copy.password = 'changed';
    copy.previous.push({ password: 'x', until: 'y' });
    vault.list()[0]!.username = 'changed';
    assert.equal(vault.get(SERIAL)!.password, CANARY);
    assert.equal(vault.get(SERIAL)!.username, 'admin');
    assert.deepEqual(vault.get(SERIAL)!.previous, []);
  });

  it('lists records sorted by serial and names the ones with a pending password', async () => {
    const { vault } = await newVault();
    for (const serial of ['C3', 'A1', 'B2'])
      await vault.enrol({ serial, username: 'admin', password: CANARY });
    await vault.writePending('C3', CANARY_PENDING);
    await vault.writePending('A1', CANARY_PENDING);
    assert.deepEqual(
      vault.list().map((r) => r.serial),
      ['A1', 'B2', 'C3'],
    );
    assert.deepEqual(vault.pendingSerials(), ['A1', 'C3']);
  });

  it('refuses to enrol a serial twice and to change a serial it does not hold', async () => {
    const { vault } = await enrolled();
    await assert.rejects(
      vault.enrol({ serial: SERIAL, username: 'admin', password: 'other' }),
      VaultRecordExistsError,
    );
    assert.equal(vault.get(SERIAL)!.password, CANARY);
    await assert.rejects(vault.writePending('NOPE', CANARY_PENDING), VaultRecordMissingError);
    await assert.rejects(vault.update('NOPE', { host: 'h' }), VaultRecordMissingError);
  });

  it('rejects enrolment input by field name, never echoing the password', async () => {
    const { vault } = await newVault();
    const bad = [
      { serial: '', username: 'admin', password: CANARY },
      { serial: 'has space', username: 'admin', password: CANARY },
      { serial: 'S1', username: '', password: CANARY },
      { serial: 'S1', username: 'admin', password: '' },
      { serial: 'S1', username: 'admin', password: CANARY, port: 70000 },
      { serial: 'S1', username: 'admin', password: CANARY, protocol: 'ftp' as 'http' },
    ];
    for (const input of bad) {
      const err = await vault.enrol(input).then(
        () => assert.fail(`accepted ${JSON.stringify({ ...input, password: '…' })}`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InvalidArgumentError);
      assert.ok(!errorText(err).includes(CANARY));
    }
    assert.deepEqual(vault.list(), []);
  });

  it('walks a rotation: pending is durable before it resolves, commit moves it to current', async () => {
    const { vault, file } = await enrolled();
    now = T0 + 1000;
    await vault.writePending(SERIAL, CANARY_PENDING);
    const onDisk = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.deepEqual(onDisk.get(SERIAL)!.pending, {
      password: CANARY_PENDING,
      since: new Date(T0 + 1000).toISOString(),
      currentRejectedAt: null,
      requestSentAt: null,
      consumers: [],
      consumersUpdated: [],
    });
    assert.equal(onDisk.get(SERIAL)!.state, 'pending');
    const at = new Date(T0 + 5000);
    await vault.commitPending(SERIAL, at);
    const record = vault.get(SERIAL)!;
    assert.equal(record.password, CANARY_PENDING);
    assert.equal(record.pending, null);
    assert.equal(record.state, 'ok');
    assert.equal(record.lastRotation, at.toISOString());
    assert.deepEqual(record.previous, [{ password: CANARY, until: at.toISOString() }]);
  });

  it('treats the same pending password again as done, and refuses a different one', async () => {
    const { vault } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING);
    await vault.writePending(SERIAL, CANARY_PENDING);
    const err = await vault.writePending(SERIAL, 'another-one').then(
      () => assert.fail('overwrote a pending password'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof VaultPendingExistsError);
    assert.ok(!errorText(err).includes(CANARY_PENDING) && !errorText(err).includes('another-one'));
    assert.equal(vault.get(SERIAL)!.pending!.password, CANARY_PENDING);
  });

  it('adoptPending commits; discardPending keeps the current password; commit without pending is refused', async () => {
    const { vault } = await enrolled();
    await assert.rejects(vault.commitPending(SERIAL), InvalidArgumentError);
    await vault.writePending(SERIAL, 'first-pending');
    await vault.discardPending(SERIAL);
    assert.equal(vault.get(SERIAL)!.password, CANARY);
    assert.equal(vault.get(SERIAL)!.pending, null);
    assert.equal(vault.get(SERIAL)!.state, 'ok');
    assert.deepEqual(vault.get(SERIAL)!.previous, []);
    await vault.writePending(SERIAL, CANARY_PENDING);
    await vault.adoptPending(SERIAL);
    assert.equal(vault.get(SERIAL)!.password, CANARY_PENDING);
  });

  it('write-ahead for consumers: those not reached by the commit stay stale until updated with the current password', async () => {
    const { vault, file } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING, { consumers: ['go2rtc:a', 'recorder_channel:b'] });
    await vault.noteConsumerUpdated(SERIAL, 'go2rtc:a', 'pending');
    await vault.noteConsumerUpdated(SERIAL, 'unknown', 'pending'); // not part of the change: nothing
    const onDisk = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.deepEqual(onDisk.get(SERIAL)!.pending!.consumersUpdated, ['go2rtc:a']);
    await vault.commitPending(SERIAL);
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, ['recorder_channel:b']);
    // A note for the pending password after the commit proves nothing about the current one.
    await vault.noteConsumerUpdated(SERIAL, 'recorder_channel:b', 'pending');
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, ['recorder_channel:b']);
    await vault.noteConsumerUpdated(SERIAL, 'recorder_channel:b', 'current');
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, []);
    await vault.markConsumerStale(SERIAL, 'recorder_channel:b');
    await vault.forgetConsumers(SERIAL, ['go2rtc:a']);
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, []);
  });

  it('a discarded change makes the consumers that got its password stale; a stale one stays stale through the next change', async () => {
    const { vault } = await enrolled();
    await vault.writePending(SERIAL, 'never-kept-1', { consumers: ['go2rtc:a', 'ha_generic:c'] });
    await vault.noteConsumerUpdated(SERIAL, 'go2rtc:a', 'pending');
    await vault.discardPending(SERIAL);
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, ['go2rtc:a']);
    await vault.writePending(SERIAL, CANARY_PENDING, { consumers: ['ha_generic:c'] });
    await vault.noteConsumerUpdated(SERIAL, 'ha_generic:c', 'pending');
    await vault.commitPending(SERIAL);
    assert.deepEqual(vault.get(SERIAL)!.staleConsumers, ['go2rtc:a']);
    await assert.rejects(
      vault.writePending(SERIAL, 'x-pending', { consumers: ['same', 'same'] }),
      InvalidArgumentError,
    );
  });

  it('keeps exactly the five newest previous passwords, newest first', async () => {
    const { vault } = await enrolled();
    for (let i = 1; i <= 8; i++) {
      await vault.writePending(SERIAL, `pw-${i}`);
      await vault.commitPending(SERIAL, new Date(T0 + i * 1000));
    }
    const record = vault.get(SERIAL)!;
    assert.equal(record.password, 'pw-8');
    assert.deepEqual(
      record.previous.map((p) => p.password),
      ['pw-7', 'pw-6', 'pw-5', 'pw-4', 'pw-3'],
    );
    assert.equal(record.previous[0]!.until, new Date(T0 + 8000).toISOString());
  });

  it('marks needs_attention keeping the pending password, and masks a password in the reason', async () => {
    const { vault } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING);
    await vault.markNeedsAttention(SERIAL, `both rejected (tried ${CANARY_PENDING})`);
    const record = vault.get(SERIAL)!;
    assert.equal(record.state, 'needs_attention');
    assert.equal(record.attentionReason, 'both rejected (tried ***)');
    assert.equal(record.pending!.password, CANARY_PENDING);
    assert.deepEqual(vault.pendingSerials(), [SERIAL]);
    await vault.discardPending(SERIAL);
    assert.equal(vault.get(SERIAL)!.state, 'ok');
    assert.equal(vault.get(SERIAL)!.attentionReason, null);
  });

  it('updates only the informational fields, validated', async () => {
    const { vault } = await enrolled();
    await vault.update(SERIAL, {
      host: '127.0.0.2',
      port: 443,
      protocol: 'https',
      tlsPin: 'AB:CD',
      lastVerification: new Date(T0).toISOString(),
      username: 'operator',
    });
    const record = vault.get(SERIAL)!;
    assert.deepEqual(
      [record.host, record.port, record.protocol, record.tlsPin, record.username],
      ['127.0.0.2', 443, 'https', 'AB:CD', 'operator'],
    );
    await assert.rejects(vault.update(SERIAL, { port: 0 }), InvalidArgumentError);
    await assert.rejects(vault.update(SERIAL, { password: 'x' } as never), InvalidArgumentError);
    await assert.rejects(vault.update(SERIAL, { lastVerification: 'yesterday' }), InvalidArgumentError);
    assert.equal(vault.get(SERIAL)!.password, CANARY);
  });

  it('serialises 100 parallel changes: every one lands, the file matches memory', async () => {
    const { vault, file } = await newVault();
    const serials = Array.from({ length: 10 }, (_, i) => `SER${i}`);
    await Promise.all(
      serials.map((serial) => vault.enrol({ serial, username: 'admin', password: `${serial}-0` })),
    );
    const calls: Promise<void>[] = [];
    for (let round = 1; round <= 5; round++) {
      for (const serial of serials) {
        calls.push(vault.writePending(serial, `${serial}-${round}`));
        calls.push(vault.commitPending(serial, new Date(T0 + round * 1000)));
      }
    }
    assert.equal(calls.length, 100);
    await Promise.all(calls);
    for (const serial of serials) {
      const record = vault.get(serial)!;
      assert.equal(record.password, `${serial}-5`);
      assert.deepEqual(
        record.previous.map((p) => p.password),
        [4, 3, 2, 1, 0].map((n) => `${serial}-${n}`),
      );
    }
    const reread = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.deepEqual(reread.list(), vault.list());
  });

  it('a failed change in the queue does not stop the ones after it', async () => {
    const { vault } = await enrolled();
    const results = await Promise.allSettled([
      vault.commitPending(SERIAL),
      vault.writePending(SERIAL, CANARY_PENDING),
      vault.writePending('NOPE', 'x'),
      vault.commitPending(SERIAL),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(vault.get(SERIAL)!.password, CANARY_PENDING);
  });

  it('with a wrong key throws WrongVaultKeyError and leaves every byte as it was', async () => {
    const { vault, file, dir } = await enrolled();
    await vault.writePending(SERIAL, CANARY_PENDING);
    await vault.close();
    const before = { main: await readFile(file), bak: await readFile(`${file}.bak`) };
    const listing = await readdir(join(dir, 'hik-guard'));
    for (const readOnly of [false, true]) {
      const err = await CredentialVault.open(file, new VaultSecret('not-the-key'), { readOnly }).then(
        () => assert.fail('opened with a wrong key'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WrongVaultKeyError);
      assert.ok(!errorText(err).includes('not-the-key') && !errorText(err).includes(CANARY));
    }
    assert.deepEqual(await readFile(file), before.main);
    assert.deepEqual(await readFile(`${file}.bak`), before.bak);
    assert.deepEqual(
      await readdir(join(dir, 'hik-guard')),
      listing,
      'a file was left behind (e.g. the lock)',
    );
  });

  it('holds a lock while open: a second writable open fails, a read-only one works', async () => {
    const { file } = await enrolled();
    assert.equal((await stat(`${file}.lock`)).mode & 0o777, 0o600);
    await assert.rejects(CredentialVault.open(file, SHARED_SECRET), VaultLockedError);
    const reader = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.equal(reader.get(SERIAL)!.password, CANARY);
    await assert.rejects(reader.writePending(SERIAL, 'x'), InvalidArgumentError);
  });

  it('refuses changes after close, and close waits for queued writes', async () => {
    const { vault, file } = await enrolled();
    const pending = vault.writePending(SERIAL, CANARY_PENDING);
    await vault.close();
    await pending;
    await assert.rejects(vault.update(SERIAL, { host: 'x' }), InvalidArgumentError);
    await assert.rejects(stat(`${file}.lock`), { code: 'ENOENT' });
    const reread = await openVault(file);
    assert.equal(reread.get(SERIAL)!.pending!.password, CANARY_PENDING);
  });

  it('a read-only open of a missing vault fails and creates nothing', async () => {
    const dir = await temp.make();
    await assert.rejects(
      CredentialVault.open(join(dir, 'v', 'vault.json'), SHARED_SECRET, { readOnly: true }),
      VaultNotFoundError,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses a file whose key derivation was weakened', async () => {
    const { vault, file } = await enrolled();
    await vault.close();
    const json = JSON.parse(await readFile(file, 'utf8')) as { kdf: { N: number } };
    json.kdf.N = 1024;
    await writeFile(file, JSON.stringify(json));
    await rm(`${file}.bak`);
    await assert.rejects(CredentialVault.open(file, SHARED_SECRET, { readOnly: true }), VaultCorruptError);
  });
});
