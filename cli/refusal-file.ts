/**
 * The CLI's memory of refused passwords across runs, so a password a device refused is not sent
 * to it again by the next `hik-guard` process either (each would cost one of the device's few
 * login attempts before its lock). The file holds no password and no plain hash of one: each
 * refusal is an HMAC-SHA256, under a random key kept in the same file, of the device key (serial
 * or host:port), user name and password, with the time it was seen. It is a small JSON file with
 * mode 0600: `HIK_GUARD_REFUSALS_FILE` if set, else beside `--vault`, else
 * `$XDG_CACHE_HOME/hik-guard/refusals.json` or `~/.cache/hik-guard/refusals.json`. Refusals expire
 * after 30 days; a successful login with the credential drops its refusal at once.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Credential, RefusalMemory } from '../lib/isapi/login-guard';

export const REFUSALS_FILE_ENV = 'HIK_GUARD_REFUSALS_FILE';

/** How long a refusal is remembered. */
export const REFUSAL_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const FORMAT = 'hik-guard-refusals';

interface RefusalState {
  key: Buffer;
  /** HMAC (base64url) → when the device refused it (ms since the epoch). */
  refusals: Map<string, number>;
}

/** The file to use, or null when there is no place for it (no HOME, no XDG_CACHE_HOME, no vault). */
export function refusalFilePath(env: NodeJS.ProcessEnv, vaultFile: string | undefined): string | null {
  const explicit = env[REFUSALS_FILE_ENV];
  if (explicit) return resolve(explicit);
  if (vaultFile) return join(dirname(resolve(vaultFile)), 'refusals.json');
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'hik-guard', 'refusals.json');
  if (env.HOME) return join(env.HOME, '.cache', 'hik-guard', 'refusals.json');
  if (env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'hik-guard', 'refusals.json');
  return null;
}

export class RefusalFile implements RefusalMemory {
  private state: RefusalState | null;
  /** When the latest refusal matched here was remembered (ms), or null when none matched. */
  matchedRefusalAt: number | null = null;

  /**
   * Reads the file now: refusals other processes record later are not seen by this one. Problems
   * reading or writing are reported through `warn` (never with a secret) and never thrown.
   */
  constructor(
    readonly path: string,
    private readonly warn: (message: string) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.state = this.read();
  }

  wasRefused(deviceKeys: readonly string[], credential: Credential): boolean {
    if (!this.state) return false;
    for (const id of ids(this.state.key, deviceKeys, credential)) {
      const at = this.state.refusals.get(id);
      if (at !== undefined) {
        this.matchedRefusalAt = at;
        return true;
      }
    }
    return false;
  }

  remember(deviceKeys: readonly string[], credential: Credential): void {
    // Read again first: another run may have written since this one started.
    const state = this.read() ?? { key: randomBytes(32), refusals: new Map<string, number>() };
    const now = this.clock();
    for (const id of ids(state.key, deviceKeys, credential)) state.refusals.set(id, now);
    this.state = state;
    this.write(state);
  }

  forget(deviceKeys: readonly string[], credential: Credential): void {
    if (!this.state) return;
    const known = ids(this.state.key, deviceKeys, credential).some((id) => this.state?.refusals.has(id));
    if (!known) return;
    const state = this.read();
    if (!state) return;
    let changed = false;
    for (const id of ids(state.key, deviceKeys, credential)) changed = state.refusals.delete(id) || changed;
    this.state = state;
    if (changed) this.write(state);
  }

  /** The file's current content, expired refusals left out; null when it does not exist or is unusable. */
  private read(): RefusalState | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.warn(`cannot read ${this.path} (${code ?? 'error'}); starting without it`);
      return null;
    }
    const state = parseState(text, this.clock());
    if (!state) this.warn(`${this.path} is not a refusal file this version understands; it will be replaced`);
    return state;
  }

  /** Replaces the file atomically (a new file with mode 0600, then a rename). */
  private write(state: RefusalState): void {
    const refusals: Record<string, string> = {};
    for (const [id, at] of state.refusals) refusals[id] = new Date(at).toISOString();
    const body = `${JSON.stringify({ format: FORMAT, version: 1, key: state.key.toString('base64'), refusals }, null, 2)}\n`;
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // Nothing was created, or it is already gone: the write's own error is the one to report.
      }
      this.warn(`cannot write ${this.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}

function parseState(text: string, now: number): RefusalState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { format, version, key, refusals } = parsed as Record<string, unknown>;
  if (format !== FORMAT || version !== 1 || typeof key !== 'string') return null;
  const keyBytes = Buffer.from(key, 'base64');
  if (keyBytes.length !== 32 || typeof refusals !== 'object' || refusals === null) return null;
  const entries = new Map<string, number>();
  for (const [id, at] of Object.entries(refusals as Record<string, unknown>)) {
    const time = typeof at === 'string' ? Date.parse(at) : NaN;
    if (Number.isFinite(time) && now - time < REFUSAL_TTL_MS) entries.set(id, time);
  }
  return { key: keyBytes, refusals: entries };
}

/** One id per device key: the same refusal is found whichever key a later run knows the device by. */
function ids(key: Buffer, deviceKeys: readonly string[], credential: Credential): string[] {
  return deviceKeys.map((deviceKey) =>
    createHmac('sha256', key)
      .update(deviceKey)
      .update('\0')
      .update(credential.username)
      .update('\0')
      .update(credential.password)
      .digest('base64url'),
  );
}
