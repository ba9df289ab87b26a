/**
 * A TCP proxy on 127.0.0.1 in front of the Home Assistant test server, for the faults HA itself
 * cannot be told to have: `stall()` (HA stops answering; what was sent waits in the proxy, as in
 * TCP buffers during a partition, and arrives once `resume()` is called), `dropAll()` (every
 * connection is reset), and `slow(ms)` (each chunk HA sends reaches the client `ms` late).
 * It works below HTTP and WebSocket, so the product's real client code sees real sockets.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

interface Pipe {
  /** From the first request line: the HA WebSocket, or a REST connection. */
  kind: 'websocket' | 'rest' | null;
  readonly client: Socket;
  readonly upstream: Socket;
  /** Chunks held while stalled, in arrival order, with the socket they are for. */
  readonly held: { to: Socket; data: Buffer }[];
}

export class FaultProxy {
  /** Connections accepted (each HA reconnect or REST connection is one). */
  accepted = 0;
  private readonly pipes = new Set<Pipe>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stalled = false;
  private delayMs = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, targetPort);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Chunks on their way to HA over `kind` connections, held by `stall()`. */
  heldTowardsHa(kind: 'websocket' | 'rest'): number {
    let count = 0;
    for (const pipe of this.pipes) {
      if (pipe.kind === kind) count += pipe.held.filter((h) => h.to === pipe.upstream).length;
    }
    return count;
  }

  /** HA stops answering: nothing passes either way until `resume()`. */
  stall(): void {
    this.stalled = true;
  }

  /** Delivers what was held, in order, and passes traffic again. */
  resume(): void {
    this.stalled = false;
    for (const pipe of this.pipes) {
      for (const { to, data } of pipe.held.splice(0)) if (!to.destroyed) to.write(data);
    }
  }

  /** Each chunk from HA is delivered `ms` later (0 = at once). */
  slow(ms: number): void {
    this.delayMs = ms;
  }

  /** Resets every open connection (both sides see ECONNRESET or a close). */
  dropAll(): void {
    for (const pipe of this.pipes) {
      pipe.client.resetAndDestroy();
      pipe.upstream.resetAndDestroy();
    }
    this.pipes.clear();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const pipe of this.pipes) {
      pipe.client.destroy();
      pipe.upstream.destroy();
    }
    this.pipes.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    const upstream = new Socket();
    const pipe: Pipe = { kind: null, client, upstream, held: [] };
    this.pipes.add(pipe);
    const end = (): void => {
      this.pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (data: Buffer) => {
      pipe.kind ??= data.toString('latin1', 0, 20).startsWith('GET /api/websocket') ? 'websocket' : 'rest';
      this.forward(pipe, upstream, data, 0);
    });
    upstream.on('data', (data: Buffer) => this.forward(pipe, client, data, this.delayMs));
    upstream.connect(this.targetPort, '127.0.0.1');
  }

  private forward(pipe: Pipe, to: Socket, data: Buffer, delayMs: number): void {
    if (this.stalled || pipe.held.length > 0) {
      pipe.held.push({ to, data });
      return;
    }
    if (delayMs === 0) {
      to.write(data);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!to.destroyed) to.write(data);
    }, delayMs);
    this.timers.add(timer);
  }
}
