import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DeviceTimeoutError, DeviceUnreachableError } from '../../../lib/errors';
import { HttpTransport, type HttpTransportOptions } from '../../../lib/isapi/http-transport';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('HttpTransport', function () {
  this.timeout(10_000);
  let server: Server;
  let handler: Handler;
  const connections: Socket[] = [];
  const transports: HttpTransport[] = [];

  beforeEach(async () => {
    connections.length = 0;
    handler = (_req, res) => res.end('<ok/>');
    server = createServer((req, res) => handler(req, res));
    server.on('connection', (socket: Socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function transport(options: Partial<HttpTransportOptions> = {}): HttpTransport {
    const made = new HttpTransport({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      protocol: 'http',
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 2_000,
      maxBodyBytes: 1024,
      ...options,
    });
    transports.push(made);
    return made;
  }

  const get = { method: 'GET', path: '/ISAPI/System/deviceInfo' };
  const closed = (socket: Socket): Promise<void> =>
    socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));

  it('keeps one connection for the exchanges of a login (a challenge, then the request)', async () => {
    const t = transport();
    assert.equal((await t.send(get)).status, 200);
    assert.equal((await t.send({ ...get, headers: { authorization: 'Digest x' } })).status, 200);
    assert.equal(connections.length, 1);
  });

  it('with keepAliveMs 0, asks the device to close and closes once answered (a poll)', async () => {
    let connection: string | undefined;
    handler = (req, res) => {
      connection = req.headers.connection;
      res.end('<ok/>');
    };
    const t = transport({ keepAliveMs: 0 });
    assert.equal((await t.send(get)).status, 200);
    assert.equal(connection, 'close');
    assert.equal(connections.length, 1);
    await closed(connections[0] as Socket);
    assert.equal((await t.send(get)).status, 200, 'the next exchange opens a new connection');
    assert.equal(connections.length, 2);
  });

  it('gives a repeated header (WWW-Authenticate) as a list, a single one as a string', async () => {
    handler = (_req, res) => {
      res.setHeader('www-authenticate', ['Digest realm="a", nonce="1"', 'Basic realm="a"']);
      res.setHeader('content-type', 'application/xml');
      res.statusCode = 401;
      res.end('<x/>');
    };
    const reply = await transport().send(get);
    assert.deepEqual(reply.headers['www-authenticate'], ['Digest realm="a", nonce="1"', 'Basic realm="a"']);
    assert.equal(reply.headers['content-type'], 'application/xml');
  });

  it('sends a body with its length', async () => {
    let received = '';
    let length: string | undefined;
    handler = (req, res) => {
      length = req.headers['content-length'];
      req.on('data', (chunk: Buffer) => (received += chunk.toString()));
      req.on('end', () => res.end('<ok/>'));
    };
    await transport().send({ method: 'PUT', path: '/x', body: '<a>ü</a>' });
    assert.equal(received, '<a>ü</a>');
    assert.equal(length, String(Buffer.byteLength('<a>ü</a>')));
  });

  it('ends an exchange under way when closed: unreachable, promptly, no socket left', async () => {
    handler = () => undefined; // never answers
    const t = transport({ requestTimeoutMs: 5_000 });
    const pending = t.send(get);
    while (connections.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await t.close();
    await assert.rejects(pending, DeviceUnreachableError);
    assert.ok(Date.now() - started < 1_000);
    await closed(connections[0] as Socket);
    await assert.rejects(t.send(get), DeviceUnreachableError, 'nothing is sent after close');
  });

  it('times a silent device out as a response timeout', async () => {
    handler = () => undefined;
    await assert.rejects(transport({ requestTimeoutMs: 200 }).send(get), (err: unknown) => {
      assert.ok(err instanceof DeviceTimeoutError);
      assert.equal(err.phase, 'response');
      return true;
    });
  });

  it('refuses keepAliveMs that is not a whole number of ms', () => {
    assert.throws(() => transport({ keepAliveMs: -1 }), /keepAliveMs/);
  });
});
