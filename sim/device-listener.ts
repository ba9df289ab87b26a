/**
 * The listening socket of one simulated device, HTTP or HTTPS, on a loopback address only. It can
 * go down and come back on the same address and port (a reboot: connections are refused while
 * down), swap its certificate at runtime, and always stops promptly: every open socket, idle
 * keep-alive or held by a fault, is destroyed.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { InvalidArgumentError } from '../lib/errors';
import { isLoopbackAddress } from './loopback-address';
import type { SimCertificate } from './tls-certificates';

export type RequestHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  signal: AbortSignal,
) => void;

export class DeviceListener {
  private server: http.Server | https.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private up = new AbortController();
  private address: { host: string; port: number; https: boolean } | null = null;

  constructor(
    private readonly handler: RequestHandler,
    private certificate: SimCertificate,
  ) {}

  get host(): string | null {
    return this.address?.host ?? null;
  }

  get port(): number | null {
    return this.address?.port ?? null;
  }

  get https(): boolean {
    return this.address?.https ?? false;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Starts listening; without arguments, again on the address of the previous start. */
  async start(host?: string, port = 0, useHttps = false): Promise<void> {
    if (this.server) throw new InvalidArgumentError('the device is already listening');
    const target = host === undefined ? this.address : { host, port, https: useHttps };
    if (!target) throw new InvalidArgumentError('host is required for the first start');
    if (!isLoopbackAddress(target.host)) {
      throw new InvalidArgumentError(`host must be an address in 127.0.0.0/8, not ${target.host}`);
    }
    this.up = new AbortController();
    const signal = this.up.signal;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void =>
      this.handler(req, res, signal);
    const server = target.https
      ? https.createServer(this.certificate, onRequest)
      : http.createServer(onRequest);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: target.host, port: target.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    this.server = server;
    this.address = { ...target, port: typeof bound === 'object' && bound ? bound.port : target.port };
  }

  /** Closes the listener and destroys every connection; the address is kept for the next start. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.up.abort();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /**
   * New connections get this certificate. Session tickets are re-keyed and idle keep-alive
   * connections closed, so a client cannot keep seeing the old certificate through resumption.
   */
  useCertificate(certificate: SimCertificate): void {
    this.certificate = certificate;
    const server = this.server;
    if (!(server instanceof https.Server)) return;
    server.setSecureContext(certificate);
    server.setTicketKeys(randomBytes(48));
    server.closeIdleConnections();
  }
}
