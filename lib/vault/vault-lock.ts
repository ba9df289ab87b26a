/**
 * One writer per vault file across processes: a writable open creates `<file>.lock` with O_EXCL
 * holding `{pid, host, since}` and deletes it on close. A lock whose process is gone (a crash,
 * a killed Node-RED) is taken over; a live one makes the open fail with VaultLockedError.
 *
 * Staleness is judged on this host only (a lock from another host name is always respected). A
 * lock naming this very pid but not held by this process is left over from an earlier process
 * that had the same pid (containers restart as pid 1), so it is stale too. Take-over renames the
 * stale file aside first, so of two processes racing for it only one can win.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { VaultLockedError, VaultWriteError } from '../errors';

export interface VaultLock {
  readonly file: string;
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
}

/** A half-written lock younger than this belongs to a process that is writing it right now. */
const FRESH_LOCK_MS = 10_000;
const HELD_KEY = Symbol.for('node-red-contrib-hik-guard.vault-locks');

function heldHere(): Set<string> {
  const holder = globalThis as { [HELD_KEY]?: Set<string> };
  holder[HELD_KEY] ??= new Set();
  return holder[HELD_KEY];
}

export async function acquireVaultLock(vaultFile: string): Promise<VaultLock> {
  const lockFile = `${vaultFile}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(vaultFile, lockFile)) {
      heldHere().add(lockFile);
      return {
        file: lockFile,
        release: async () => {
          heldHere().delete(lockFile);
          await unlink(lockFile).catch((err: unknown) => {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          });
        },
      };
    }
    const seen = await readLock(lockFile);
    if (seen === null) continue; // released between our attempt and the read
    const owner = parseOwner(seen.text);
    if (owner ? isLive(owner, lockFile) : Date.now() - seen.mtimeMs < FRESH_LOCK_MS) {
      throw new VaultLockedError(lockFile, owner?.pid ?? null);
    }
    await takeOver(lockFile, seen.text);
  }
  throw new VaultLockedError(lockFile, null);
}

async function tryCreate(vaultFile: string, lockFile: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockFile, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new VaultWriteError(vaultFile, 'lock', code ?? null, { cause: err });
  }
  try {
    const owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(lockFile);
    throw new VaultWriteError(vaultFile, 'lock', (err as NodeJS.ErrnoException).code ?? null, { cause: err });
  }
  await handle.close();
  return true;
}

async function readLock(lockFile: string): Promise<{ text: string; mtimeMs: number } | null> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    return { text, mtimeMs: info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return Number.isInteger(value.pid) && typeof value.host === 'string'
      ? { pid: value.pid as number, host: value.host }
      : null;
  } catch {
    return null; // torn while being written, or not ours: judged by its age instead
  }
}

function isLive(owner: LockOwner, lockFile: string): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return heldHere().has(lockFile);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Moves the stale lock aside; if what was moved turns out not to be that stale lock, puts it back. */
async function takeOver(lockFile: string, staleText: string): Promise<void> {
  const aside = `${lockFile}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw err;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== staleText) {
    // A live process re-created the lock between our read and the rename: give it back.
    await link(aside, lockFile).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
    await unlink(aside);
    throw new VaultLockedError(lockFile, parseOwner(moved)?.pid ?? null);
  }
  await unlink(aside);
}
