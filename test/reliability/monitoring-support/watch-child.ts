/**
 * A reset watch in a process of its own, as a Node-RED running hik-reset with a Home Assistant
 * server is one, so the matrix can SIGKILL it. Loads everything, says `loaded`; on `start` it
 * links to HA, watches the given devices (activateStatus poll every `pollMs`), says `running`, and
 * reports every change and error over IPC until it is killed. It keeps no state of its own.
 */
import { HaLink } from '../../../lib/homeassistant/ha-link';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { AlertMemory } from '../../../lib/fleet/alert-memory';
import { FleetWatch } from '../../../lib/fleet/fleet-watch';
import { describeForTest } from '../../lib/homeassistant/support';

export interface WatchChildStart {
  type: 'start';
  haUrl: string;
  token: string;
  pollMs: number;
  /** The alert memory's file, kept across restarts like Node-RED's. */
  memoryFile: string;
  devices: { serial: string; host: string; port: number }[];
}

export type WatchChildMessage =
  | { type: 'loaded' }
  | { type: 'running' }
  | { type: 'change'; serial: string; to: string; event: string | null; alert: string | null }
  | { type: 'error'; code: string };

function send(message: WatchChildMessage): void {
  process.send?.(message);
}

async function run(start: WatchChildStart): Promise<void> {
  const link = new HaLink({
    url: start.haUrl,
    token: start.token,
    describe: describeForTest,
    handshakeTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  link.start();
  const memory = await AlertMemory.open(start.memoryFile, (err) =>
    send({ type: 'error', code: (err as { code?: string }).code ?? err.name }),
  );
  const watch = new FleetWatch({
    pollIntervalMs: start.pollMs,
    memory,
    offlineAfterFailures: 2,
    alerts: link.alerts,
    guard: new LoginGuard(),
    onChange: (c) => send({ type: 'change', serial: c.serial, to: c.to, event: c.event, alert: c.alert }),
    onError: (err) => send({ type: 'error', code: (err as { code?: string }).code ?? err.name }),
  });
  for (const device of start.devices) {
    watch.watch(device.serial, { poll: { host: device.host, port: device.port, protocol: 'http' } });
  }
  await watch.start();
  await watch.pollNow();
  send({ type: 'running' });
}

process.on('message', (message: WatchChildStart) => {
  run(message).catch((err: unknown) => {
    process.stderr.write(`watch child failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
});
// The parent ends this process with SIGKILL; an IPC disconnect means the parent is gone.
process.on('disconnect', () => process.exit(0));
send({ type: 'loaded' });
