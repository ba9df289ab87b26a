/**
 * A real MQTT broker for tests: Debian's Mosquitto (`/usr/sbin/mosquitto`, installed by .ci/run
 * and by scripts/test.mjs when missing) on 127.0.0.1 and a free port, with a generated
 * configuration in a temporary folder (no persistence, so nothing outlives the test), optionally a
 * password file (`mosquitto_passwd`), killed and removed by `stop`. Its log (stderr) is kept so a
 * test can count connections. Without the binary, a test skips, except under CI, where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const PASSWD = '/usr/bin/mosquitto_passwd';

export interface MosquittoOptions {
  /** Users of a password file; without it anyone may connect. */
  users?: Record<string, string>;
  /** With `users`: whether clients without a user name may still connect. Default false. */
  allowAnonymous?: boolean;
  /** Listen on this port (a broker started again where clients expect it); default a free one. */
  port?: number;
}

/** Skips the calling test when Mosquitto is not installed; fails under CI. */
export function requireMosquitto(context: Mocha.Context): void {
  if (existsSync(MOSQUITTO)) return;
  if (process.env.CI)
    throw new Error(`${MOSQUITTO} is missing: .ci/run installs the Debian mosquitto package`);
  context.skip();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class Mosquitto {
  private log = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** The broker's log so far (user names appear in it, passwords never). */
  output(): string {
    return this.log;
  }

  /** Connection attempts the broker has seen so far. */
  connections(): number {
    return this.log.match(/New connection from /g)?.length ?? 0;
  }

  static async start(options: MosquittoOptions = {}, timeoutMs = 10_000): Promise<Mosquitto> {
    const dir = mkdtempSync(join(tmpdir(), 'hik-guard-mosquitto-'));
    const lines = [
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'connection_messages true',
      // As root (or root in a user namespace) stay root: the temporary folder is ours only.
      'user root',
    ];
    if (options.users) {
      const file = join(dir, 'passwords');
      writeFileSync(file, '', { mode: 0o600 });
      for (const [user, password] of Object.entries(options.users)) {
        const made = spawnSync(PASSWD, ['-b', file, user, password], { encoding: 'utf8' });
        if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
      }
      lines.push(`password_file ${file}`);
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = options.port ?? (await freePort());
      const conf = join(dir, 'mosquitto.conf');
      writeFileSync(
        conf,
        [
          `listener ${port} 127.0.0.1`,
          `allow_anonymous ${options.users ? String(options.allowAnonymous === true) : 'true'}`,
          ...lines,
          '',
        ].join('\n'),
      );
      const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      const broker = new Mosquitto(port, dir, child);
      try {
        await broker.running(timeoutMs);
        return broker;
      } catch (err) {
        lastError = err;
        await broker.kill();
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** Kills the broker (a crash, as far as clients can tell) and removes its folder. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private running(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`mosquitto did not start in ${timeoutMs} ms:\n${this.log}`));
      }, timeoutMs);
      const check = (): void => {
        if (/mosquitto version \S+ running/.test(this.log)) {
          cleanup();
          resolve();
        }
      };
      const exited = (code: number | null): void => {
        cleanup();
        reject(new Error(`mosquitto exited (${code ?? 'signal'}):\n${this.log}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stderr?.off('data', check);
        this.child.off('exit', exited);
      };
      this.child.stderr?.on('data', check);
      this.child.once('exit', exited);
      check();
    });
  }

  private async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
