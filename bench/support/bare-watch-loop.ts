/**
 * The floors the watch benchmark compares `hik-guard watch` with, run on plain node
 * (bench/support/plain-node.ts), built-in modules only, doing nothing but the network work:
 *
 *   idle <targets-file>             holds one idle TCP connection to each device's HTTP port
 *                                   (reconnecting if one is closed) and nothing else
 *   loop <targets-file> <interval>  every interval, what the watch puts on the wire and nothing
 *                                   more: the SADP inquiry 3 times to each device in the first
 *                                   round and to a rolling tenth of them in each later one, as the
 *                                   watch does once its devices answer polls (replies received
 *                                   and counted, not read), and one GET /SDK/activateStatus per
 *                                   device, 16 at a time, each on a fresh connection (answers
 *                                   read, not parsed)
 *
 * `<targets-file>`: one `host port` per line (the device's address and HTTP port). Prints `ready`
 * once set up, then one `round <replies> <answers>` line per loop round (or `reconnects <n>` per
 * minute in idle mode); exits when stdin closes.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';

interface Target {
  host: string;
  port: number;
}

const SADP_PORT = 37020;
const SENDS = 3;
const WINDOW_MS = 1500;
const CONCURRENCY = 16;
/** As lib/fleet/sadp-target-schedule.ts: each answering device asked by SADP every 10 rounds. */
const RECHECK_ROUNDS = 10;

function readTargets(file: string): Target[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [host = '', port = ''] = line.trim().split(/\s+/);
      return { host, port: Number(port) };
    });
}

function holdIdle(targets: readonly Target[]): void {
  let reconnects = 0;
  let connected = 0;
  const sockets = new Set<Socket>();
  const open = (target: Target, first: boolean): void => {
    const socket = connect(target.port, target.host);
    sockets.add(socket);
    socket.once('connect', () => {
      if (first && ++connected === targets.length) process.stdout.write('ready\n');
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (stopping) return;
      reconnects += 1;
      setTimeout(() => open(target, false), 100);
    });
  };
  let stopping = false;
  for (const target of targets) open(target, true);
  const report = setInterval(() => process.stdout.write(`reconnects ${reconnects}\n`), 60_000);
  process.stdin.on('end', () => {
    stopping = true;
    clearInterval(report);
    for (const socket of sockets) socket.destroy();
  });
  process.stdin.resume();
}

function pollOne(target: Target): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(
      { host: target.host, port: target.port, path: '/SDK/activateStatus', agent: false, timeout: 3_000 },
      (response) => {
        response.on('data', () => undefined);
        response.on('end', () => resolve(response.statusCode === 200));
        response.on('error', () => resolve(false));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function loop(targets: readonly Target[], intervalMs: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let replies = 0;
  socket.on('message', () => (replies += 1));
  let rounds = 0;
  const round = async (): Promise<void> => {
    replies = 0;
    const turn = rounds % RECHECK_ROUNDS;
    const asked = rounds === 0 ? targets : targets.filter((_, index) => index % RECHECK_ROUNDS === turn);
    rounds += 1;
    const step = Math.floor(WINDOW_MS / (SENDS + 1));
    for (let i = 0; i < SENDS; i++) {
      setTimeout(() => {
        const probe = Buffer.from(
          `<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${randomUUID().toUpperCase()}</Uuid><Types>inquiry</Types></Probe>`,
        );
        for (const target of asked) socket.send(probe, SADP_PORT, target.host);
      }, i * step);
    }
    const queue = [...targets];
    let answers = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let target = queue.shift(); target; target = queue.shift())
          if (await pollOne(target)) answers += 1;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    process.stdout.write(`round ${replies} ${answers}\n`);
  };
  const timer = setInterval(() => void round(), intervalMs);
  process.stdout.write('ready\n');
  process.stdin.on('end', () => {
    clearInterval(timer);
    socket.close();
  });
  process.stdin.resume();
}

const [mode, file, interval] = process.argv.slice(2);
if (mode === 'idle' && file) holdIdle(readTargets(file));
else if (mode === 'loop' && file) void loop(readTargets(file), Number(interval ?? 60_000));
else {
  process.stderr.write('usage: bare-watch-loop idle <targets-file> | loop <targets-file> <interval-ms>\n');
  process.exitCode = 2;
}
