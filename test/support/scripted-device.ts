/**
 * A bare loopback HTTP server answering with a script, for firmware behaviour the simulator does
 * not model and for watching exactly what the client sends. Closed by `stop()` in afterEach.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IsapiClient } from '../../lib/isapi/isapi-client';
import { LoginGuard } from '../../lib/isapi/login-guard';

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type Script = (req: SeenRequest, res: ServerResponse) => void;

export class ScriptedDevice {
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  private client: IsapiClient | undefined;

  /** Starts a server running `script` and returns a client for it (admin / a fixed password). */
  async start(script: Script): Promise<IsapiClient> {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.seen.push(seen);
        script(seen, res);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.client = new IsapiClient({
      host: '127.0.0.1',
      port,
      protocol: 'http',
      credential: { username: 'admin', password: 'Any-Passw0rd' },
      guard: new LoginGuard(),
    });
    return this.client;
  }

  async stop(): Promise<void> {
    await this.client?.close();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
    this.client = undefined;
    this.seen.length = 0;
  }
}

export const DIGEST_CHALLENGE =
  'Digest realm="a1b2c3d4e5f6a7b8c9d0e1f2", qop="auth", nonce="0123abcd:1700000000000"';
