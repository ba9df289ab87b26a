/**
 * The SADP sockets of one process, shared by every scanner and listener (every hik-discover node
 * and the CLI): one ephemeral-port socket per local address for inquiries and their unicast
 * replies, and one socket on 37020 for the group, joined once per interface however many
 * listeners want that interface. A socket closes when its last user releases it.
 *
 * Multicast always names its interface (IP_MULTICAST_IF, addMembership(group, iface)) so nothing
 * follows the default route onto a network nobody chose.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { SadpSocketError } from '../errors';
import type { SadpInterface } from './sadp-interfaces';
import { SADP_GROUP, SADP_PORT } from './sadp-probe';

export type DatagramHandler = (bytes: Buffer, source: RemoteInfo) => void;
export type SocketErrorHandler = (err: SadpSocketError) => void;

export interface SadpSocketLease {
  /** The address the socket is bound to (`0.0.0.0` for the any-address socket). */
  readonly localAddress: string;
  readonly localPort: number;
  send(datagram: Buffer, port: number, address: string): Promise<void>;
  /** Returns the unsubscribe function. */
  onDatagram(handler: DatagramHandler): () => void;
  onError(handler: SocketErrorHandler): () => void;
  /** Idempotent; the socket closes with its last lease. */
  release(): Promise<void>;
}

interface SharedSocket {
  key: string;
  socket: Socket;
  ready: Promise<void>;
  users: number;
  datagramHandlers: Set<DatagramHandler>;
  errorHandlers: Set<SocketErrorHandler>;
  /** Group memberships by interface address, counted per lease that asked for them. */
  memberships: Map<string, number>;
  closed: boolean;
}

/** Enough for a burst of ~1,000 replies of 1.6 KB; the kernel caps it at its own maximum. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export class SadpSocketSet {
  private readonly sockets = new Map<string, SharedSocket>();

  /** How many sockets are open now (tests check that nodes share them). */
  get openSockets(): number {
    return this.sockets.size;
  }

  /**
   * An ephemeral-port socket on `bindAddress` for inquiries; multicast leaves through the
   * interface with that address. `0.0.0.0` gives an unbound-interface socket for unicast targets.
   */
  async leaseScanSocket(bindAddress: string): Promise<SadpSocketLease> {
    const shared = this.open(`scan:${bindAddress}`, bindAddress, 0, (socket) => {
      if (bindAddress !== '0.0.0.0') socket.setMulticastInterface(bindAddress);
      // Directed-broadcast targets (e.g. 192.168.1.255) need SO_BROADCAST.
      socket.setBroadcast(true);
      enlargeReceiveBuffer(socket);
    });
    return this.lease(shared, []);
  }

  /**
   * The socket on the SADP port (`port` only differs in tests) that receives group traffic,
   * joined on each of `interfaces` for as long as this lease lives.
   */
  async leaseGroupSocket(interfaces: readonly SadpInterface[], port = SADP_PORT): Promise<SadpSocketLease> {
    // Binding the group address (Linux) delivers only group traffic; elsewhere bind the any-address.
    const bindAddress = process.platform === 'linux' ? SADP_GROUP : '0.0.0.0';
    const shared = this.open(`group:${port}`, bindAddress, port, () => undefined);
    return this.lease(
      shared,
      interfaces.map((i) => i.address),
    );
  }

  private open(
    key: string,
    address: string,
    port: number,
    configure: (socket: Socket) => void,
  ): SharedSocket {
    const existing = this.sockets.get(key);
    if (existing) return existing;
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const shared: SharedSocket = {
      key,
      socket,
      users: 0,
      datagramHandlers: new Set(),
      errorHandlers: new Set(),
      memberships: new Map(),
      closed: false,
      ready: new Promise<void>((resolve, reject) => {
        const onBindError = (err: NodeJS.ErrnoException): void => {
          // The failed socket is closed by the release of the lease that waited for it.
          if (this.sockets.get(key) === shared) this.sockets.delete(key);
          reject(socketError(address, port, err, `cannot bind UDP ${address}:${port}`));
        };
        socket.once('error', onBindError);
        socket.bind({ address, port, exclusive: false }, () => {
          socket.off('error', onBindError);
          try {
            configure(socket);
          } catch (err: unknown) {
            onBindError(err as NodeJS.ErrnoException);
            return;
          }
          resolve();
        });
      }),
    };
    socket.on('message', (bytes, source) => {
      for (const handler of shared.datagramHandlers) handler(bytes, source);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const wrapped = socketError(address, port, err, `UDP ${address}:${port} failed`);
      for (const handler of shared.errorHandlers) handler(wrapped);
    });
    this.sockets.set(key, shared);
    return shared;
  }

  private async lease(shared: SharedSocket, memberships: readonly string[]): Promise<SadpSocketLease> {
    shared.users += 1;
    const joined: string[] = [];
    const handlers = { datagram: new Set<DatagramHandler>(), error: new Set<SocketErrorHandler>() };
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      for (const h of handlers.datagram) shared.datagramHandlers.delete(h);
      for (const h of handlers.error) shared.errorHandlers.delete(h);
      for (const address of joined) this.leave(shared, address);
      shared.users -= 1;
      if (shared.users === 0) await this.close(shared);
    };
    try {
      await shared.ready;
      for (const address of memberships) {
        this.join(shared, address);
        joined.push(address);
      }
    } catch (err: unknown) {
      await release();
      throw err;
    }
    const { address: localAddress, port: localPort } = shared.socket.address();
    return {
      localAddress,
      localPort,
      send: (datagram, port, address) =>
        new Promise<void>((resolve, reject) => {
          shared.socket.send(datagram, port, address, (err) => {
            if (err) reject(socketError(address, port, err, `cannot send to ${address}:${port}`));
            else resolve();
          });
        }),
      // The lease remembers its handlers until they unsubscribe (a scanner subscribes once per
      // scan on a lease it keeps: forgetting none of them kept every scan's replies alive).
      onDatagram: (handler) => {
        shared.datagramHandlers.add(handler);
        handlers.datagram.add(handler);
        return () => {
          handlers.datagram.delete(handler);
          shared.datagramHandlers.delete(handler);
        };
      },
      onError: (handler) => {
        shared.errorHandlers.add(handler);
        handlers.error.add(handler);
        return () => {
          handlers.error.delete(handler);
          shared.errorHandlers.delete(handler);
        };
      },
      release,
    };
  }

  private join(shared: SharedSocket, interfaceAddress: string): void {
    const count = shared.memberships.get(interfaceAddress) ?? 0;
    if (count === 0) {
      try {
        shared.socket.addMembership(SADP_GROUP, interfaceAddress);
      } catch (err: unknown) {
        throw socketError(
          interfaceAddress,
          SADP_PORT,
          err as NodeJS.ErrnoException,
          `cannot join ${SADP_GROUP} on ${interfaceAddress}`,
        );
      }
    }
    shared.memberships.set(interfaceAddress, count + 1);
  }

  private leave(shared: SharedSocket, interfaceAddress: string): void {
    const count = shared.memberships.get(interfaceAddress) ?? 0;
    if (count > 1) {
      shared.memberships.set(interfaceAddress, count - 1);
      return;
    }
    shared.memberships.delete(interfaceAddress);
    // Closing the socket drops every membership anyway; only a socket staying open needs it now.
    if (shared.users > 1) shared.socket.dropMembership(SADP_GROUP, interfaceAddress);
  }

  private close(shared: SharedSocket): Promise<void> {
    if (this.sockets.get(shared.key) === shared) this.sockets.delete(shared.key);
    if (shared.closed) return Promise.resolve();
    shared.closed = true;
    return new Promise<void>((resolve) => {
      shared.socket.close(() => {
        resolve();
      });
    });
  }
}

function socketError(
  address: string,
  port: number,
  err: NodeJS.ErrnoException,
  what: string,
): SadpSocketError {
  const code = typeof err.code === 'string' ? err.code : null;
  return new SadpSocketError(address, port, code, `${what}${code ? ` (${code})` : ''}`, { cause: err });
}

/**
 * Asks for a large receive buffer. Refusal is survivable — the default buffer still works and the
 * scan's repeated inquiries recover replies lost in a burst — so it is reported, not thrown.
 */
function enlargeReceiveBuffer(socket: Socket): boolean {
  try {
    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    return true;
  } catch (err: unknown) {
    process.emitWarning(`SADP: receive buffer not enlarged: ${(err as Error).message}`, {
      code: 'HIK_SADP_RECV_BUFFER',
    });
    return false;
  }
}
