/**
 * The demo's process plumbing, apart from what it starts: the editor port checked before anything
 * starts (a busy port ends the demo at once, naming PORT), the editor polled until it answers, and
 * a watch on the parent process, because `npm start` runs the demo under `sh -c`: npm passes a
 * SIGTERM to that shell only, which dies without passing it on.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Binds 127.0.0.1:port for a moment: null if Node-RED can have it, else why not (naming PORT). */
export async function portProblem(port: number): Promise<string | null> {
  const code = await new Promise<string | null>((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(null)));
  });
  if (code === null) return null;
  const other = port === 65535 ? 1880 : port + 1;
  const reason =
    code === 'EADDRINUSE'
      ? 'is in use'
      : code === 'EACCES'
        ? 'needs more privileges'
        : `cannot be used (${code})`;
  return `Port ${port} ${reason}; set PORT=… to use another, e.g. PORT=${other} npm start`;
}

/** A port on 127.0.0.1 that was free a moment ago (PORT=0: the editor URL is known up front). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
}

export type EditorOutcome = 'ready' | 'exited' | 'timeout';

/**
 * Polls `url` until it answers HTTP 200, the process serving it ends (`exited` settles), or the
 * deadline passes.
 */
export async function waitForEditor(
  url: string,
  exited: Promise<unknown>,
  deadlineMs = 60_000,
): Promise<EditorOutcome> {
  const ended = new AbortController();
  void exited.then(() => ended.abort());
  const deadline = Date.now() + deadlineMs;
  while (!ended.signal.aborted && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return 'ready';
    } catch {
      // Not listening yet (ECONNREFUSED) or too slow: try again until the deadline.
    }
    await sleep(250);
  }
  return ended.signal.aborted ? 'exited' : 'timeout';
}

/**
 * Calls `onGone` once when the process that started this one ends (it is re-parented), checking
 * every `intervalMs`. The timer does not keep the process alive. Returns a function that stops it.
 */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
