/**
 * The product side's handle on the world process (soak-world-process.ts): starts it, sends it
 * requests and awaits their answers (each bounded in time), stops it. A request that gets no
 * answer in time rejects; `kill()` is the last resort of a shutdown that must end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
  WorldMessage,
  WorldReply,
  WorldRequest,
  WorldSnapshot,
  WorldStarted,
  WorldLayout,
  WorldFault,
} from './soak-world-protocol';

const REQUEST_TIMEOUT_MS = 120_000;

export class SoakWorld {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: WorldReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`world: ${reply.error}`));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const waiter of this.waiting.values())
          waiter.reject(new Error(`the world process exited (${signal ?? code})`));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  static async start(layout: WorldLayout): Promise<{ world: SoakWorld; started: WorldStarted }> {
    const child = fork(join(__dirname, 'soak-world-process.ts'), [], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      // Its own process group: a Ctrl-C reaches the product process, which stops the world in order.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const world = new SoakWorld(child);
    try {
      const started = (await world.request({ cmd: 'start', layout })) as WorldStarted;
      return { world, started };
    } catch (err) {
      world.kill();
      throw err;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  fault(serial: string, fault: WorldFault): Promise<unknown> {
    return this.request({ cmd: 'fault', serial, fault });
  }

  reboot(serial: string): Promise<unknown> {
    return this.request({ cmd: 'reboot', serial });
  }

  /** True when the device was up and activated, and is now being reset. */
  async reset(serial: string): Promise<boolean> {
    return (await this.request({ cmd: 'reset', serial })) === true;
  }

  haRestart(downMs: number): Promise<unknown> {
    return this.request({ cmd: 'haRestart', downMs });
  }

  quiet(): Promise<unknown> {
    return this.request({ cmd: 'quiet' });
  }

  async snapshot(): Promise<WorldSnapshot> {
    return (await this.request({ cmd: 'snapshot' })) as WorldSnapshot;
  }

  /** Stops the fleet and the HA server, then lets the process go; killed if it does not exit. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await this.request({ cmd: 'stop' }, timeoutMs).catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      });
      if (this.child.connected) this.child.disconnect();
    }
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private request(request: WorldRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`world: no answer to '${request.cmd}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const message: WorldMessage = { id, request };
      if (!this.child.connected) {
        this.waiting.delete(id);
        clearTimeout(timer);
        reject(new Error('the world process is gone'));
        return;
      }
      this.child.send(message);
    });
  }
}
