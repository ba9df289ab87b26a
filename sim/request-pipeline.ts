/**
 * The HTTP side of one request to a simulated device: counting, faults, reading the body (64 KiB
 * at most), then writing the answer with the headers every response of real firmware carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { STATUS, statusResponse } from './fixtures/response-status';
import { respondTo } from './isapi-responder';
import type { SimDevice } from './sim-device';
import { countRisky, increment } from './sim-counters';
import type { SimResponse } from './sim-response';

export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export async function serveRequest(
  device: SimDevice,
  req: IncomingMessage,
  res: ServerResponse,
  up: AbortSignal,
): Promise<void> {
  try {
    await handle(device, req, res, up);
  } catch (err) {
    // A simulator bug must not take the test process down: answer like a device in trouble.
    device.reportInternalError(err);
    if (res.headersSent) req.socket.destroy();
    else
      await send(device, res, statusResponse(device.xmlStyle, req.url ?? '/', STATUS.deviceError), null, up);
  }
}

async function handle(
  device: SimDevice,
  req: IncomingMessage,
  res: ServerResponse,
  up: AbortSignal,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const [path = url] = url.split('?'); // split always yields at least one piece
  device.counters.requests += 1;
  increment(device.counters.requestsByPath, `${method} ${path}`);

  const faults = device.faults.take(method, path, req.headers.authorization !== undefined);
  if (faults.latencyMs > 0 && !(await pause(faults.latencyMs, up))) return;
  if (faults.hang && (await device.faults.hold()) === 'abort') return;
  if (faults.dropConnection) {
    req.socket.destroy();
    return;
  }
  if (faults.busy) return send(device, res, statusResponse(device.xmlStyle, path, STATUS.busy), null, up);

  // A call, not a property read: the socket may die during any await below.
  const gone = (): boolean => req.socket.destroyed;
  const body = await readBody(req);
  countRisky(device.counters, method, url, Buffer.isBuffer(body) ? body : Buffer.alloc(0));
  if (body === null || gone()) return;
  if (body === 'too-large') {
    const response = statusResponse(device.xmlStyle, path, STATUS.tooLarge);
    return send(device, res, { ...response, headers: { Connection: 'close' } }, null, up);
  }
  const request = {
    method,
    url,
    path,
    body,
    clientIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    localAddress: req.socket.localAddress ?? '',
    authorization: req.headers.authorization,
  };
  if (faults.rebootMidRequest) {
    // "Timeout after the device applied the change": optionally act, then vanish and reboot.
    if (faults.rebootMidRequest.applyBeforeFailing) await respondTo(device, request);
    req.socket.destroy();
    device.rebootInBackground();
    return;
  }
  const answer = await respondTo(device, request);
  if (gone()) return; // the device went down meanwhile
  const response = faults.replaceBody === null ? answer : { ...answer, body: faults.replaceBody };
  return send(device, res, response, faults.slowBody, up);
}

/** The body, 'too-large' (read to the end and discarded so the 413 arrives), or null if aborted. */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null)); // no-op when 'end' came first
  });
}

async function send(
  device: SimDevice,
  res: ServerResponse,
  response: SimResponse,
  slowBody: { durationMs: number; chunks: number } | null,
  up: AbortSignal,
): Promise<void> {
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, {
    Server: device.profile.quirks.serverHeader,
    'X-Frame-Options': 'SAMEORIGIN',
    'Content-Type': response.contentType,
    'Content-Length': String(body.length),
    ...response.headers,
  });
  if (response.afterSend) res.once('finish', response.afterSend);
  if (!slowBody) {
    res.end(body);
    return;
  }
  const size = Math.ceil(body.length / slowBody.chunks);
  for (let i = 0; i < slowBody.chunks; i++) {
    if (i > 0 && !(await pause(slowBody.durationMs / slowBody.chunks, up))) return;
    if (res.destroyed) return;
    res.write(body.subarray(i * size, (i + 1) * size));
  }
  res.end();
}

/** Waits, unless the device goes down first (then false). */
async function pause(ms: number, up: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: up });
    return true;
  } catch {
    return false;
  }
}
