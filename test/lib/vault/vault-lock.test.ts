import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VaultLockedError } from '../../../lib/errors';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import { CANARY, SECRET, SHARED_SECRET, TempDirs } from './fixtures/vault-temp';

const HOLDER = join(__dirname, 'fixtures', 'hold-vault.ts');

/** Starts a second process holding the vault; resolves once it has opened it. */
function holdInChild(file: string, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), HOLDER, file], {
    env: { ...process.env, VAULT_TEST_KEY: SECRET },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the child did not open the vault in time')), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        if (out.startsWith('open')) resolve(child);
        else reject(new Error(`child: ${out.trim()}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code})`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await exited(child);
  return child.pid!;
}

describe('vault lock across processes', function () {
  this.timeout(40_000);
  const temp = new TempDirs();
  const children: ChildProcess[] = [];
  let file: string;

  beforeEach(async () => {
    file = join(await temp.make(), 'vault.json');
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    await vault.enrol({ serial: 'S1', username: 'admin', password: CANARY });
    await vault.close();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await temp.removeAll();
  });

  it('a second process cannot open the vault for writing while the first holds it', async () => {
    const child = await holdInChild(file, children);
    const err = await CredentialVault.open(file, SHARED_SECRET).then(
      () => assert.fail('two writers'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof VaultLockedError);
    assert.equal(err.pid, child.pid);
    const reader = await CredentialVault.open(file, SHARED_SECRET, { readOnly: true });
    assert.equal(reader.get('S1')!.host, `held-by-${child.pid}`);
    child.stdin!.end();
    await exited(child);
    assert.equal(child.exitCode, 0);
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    await vault.close();
  });

  it('takes over the lock of a process that was killed', async () => {
    const child = await holdInChild(file, children);
    child.kill('SIGKILL');
    await exited(child);
    assert.ok((await readFile(`${file}.lock`, 'utf8')).includes(String(child.pid)));
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    assert.ok((await readFile(`${file}.lock`, 'utf8')).includes(`"pid":${process.pid}`));
    assert.equal(vault.get('S1')!.host, `held-by-${child.pid}`);
    await vault.close();
  });

  it('takes over a lock naming a dead pid, or this pid when this process does not hold it', async () => {
    for (const pid of [await deadPid(), process.pid]) {
      await writeFile(`${file}.lock`, JSON.stringify({ pid, host: hostname(), since: 'earlier' }));
      const vault = await CredentialVault.open(file, SHARED_SECRET);
      await vault.close();
    }
  });

  it('respects a lock from another host, and a fresh half-written one', async () => {
    await writeFile(`${file}.lock`, JSON.stringify({ pid: await deadPid(), host: `not-${hostname()}` }));
    await assert.rejects(CredentialVault.open(file, SHARED_SECRET), VaultLockedError);
    await writeFile(`${file}.lock`, '{"pid":');
    await assert.rejects(CredentialVault.open(file, SHARED_SECRET), VaultLockedError);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${file}.lock`, old, old);
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    await vault.close();
    await assert.rejects(stat(`${file}.lock`), { code: 'ENOENT' });
  });
});
