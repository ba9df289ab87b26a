/**
 * The SIGKILL cells: the reset watch with its HA link runs in a child process (watch-child.ts)
 * that is killed with SIGKILL at seeded moments and started again, as a crashed Node-RED would be.
 * Each restart rebuilds the devices' state from what it observes; the alert memory, on disk as in
 * Node-RED, tells it which alarms Home Assistant already has.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { entityIdForSerial } from '../../../lib/homeassistant/device-entity';
import { ADMIN_TOKEN, waitFor } from '../../lib/homeassistant/support';
import type { SeededRandom } from '../../support/seeded-random';
import type { Expectation, Operation } from './matrix-cells';
import type { MonitoringRig } from './monitoring-rig';
import type { WatchChildMessage, WatchChildStart } from './watch-child';

const CHILD = join(__dirname, 'watch-child.ts');
const POLL_MS = 100;
const LOAD_TIMEOUT_MS = 20_000;
/** Bounds for a busy machine (two test legs side by side), not timing goals. */
const WAIT_MS = 20_000;

class WatchProcess {
  readonly messages: WatchChildMessage[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {
    child.on('message', (message: WatchChildMessage) => this.messages.push(message));
  }

  /** Forks a child, waits until it polled once, and returns it. */
  static async start(rig: MonitoringRig): Promise<WatchProcess> {
    const child = fork(CHILD, [], { execArgv: ['--require', 'tsx/cjs'], silent: true });
    child.stdout?.resume();
    child.stderr?.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const watch = new WatchProcess(child, exited);
    try {
      await waitFor('the watch child to load', () => watch.said('loaded'), LOAD_TIMEOUT_MS);
      const start: WatchChildStart = {
        type: 'start',
        haUrl: rig.proxy.url,
        token: ADMIN_TOKEN,
        pollMs: POLL_MS,
        memoryFile: join(rig.dir, 'alerts.json'),
        devices: rig.fleet.devices.map((d) => ({
          serial: d.serialNumber,
          host: d.host ?? '',
          port: d.port ?? 0,
        })),
      };
      child.send(start);
      await waitFor('the watch child to run', () => watch.said('running'), WAIT_MS);
    } catch (err) {
      await watch.kill();
      throw err;
    }
    return watch;
  }

  said(type: WatchChildMessage['type']): boolean {
    return this.messages.some((m) => m.type === type);
  }

  /** The last state the child reported for a serial. */
  stateOf(serial: string): string | undefined {
    const changes = this.messages.flatMap((m) => (m.type === 'change' && m.serial === serial ? [m.to] : []));
    return changes.at(-1);
  }

  errors(): string[] {
    return this.messages.flatMap((m) => (m.type === 'error' ? [m.code] : []));
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Successful state POSTs HA received for a device's entity (a re-publish adds one). */
function posts(rig: MonitoringRig, serial: string): number {
  const path = `/api/states/${entityIdForSerial(serial)}`;
  return rig.ha.restLog.filter((e) => e.method === 'POST' && e.path === path && e.status < 300).length;
}

/** Starts a watch child and waits until it published both devices to HA. */
async function startAndPublish(rig: MonitoringRig, children: WatchProcess[]): Promise<WatchProcess> {
  const before = rig.serials.map((s) => posts(rig, s));
  const child = await WatchProcess.start(rig);
  children.push(child);
  await waitFor(
    'both entities published by the new process',
    () => rig.serials.every((s, i) => posts(rig, s) > before[i]!),
    WAIT_MS,
  );
  return child;
}

/** The last child still polls both devices and reported no error. */
async function assertStillWatching(rig: MonitoringRig, child: WatchProcess): Promise<void> {
  const before = [rig.polls(rig.camera), rig.polls(rig.bystander)];
  await waitFor(
    'two more poll rounds',
    () => [rig.polls(rig.camera), rig.polls(rig.bystander)].every((n, i) => n >= before[i]! + 2),
    WAIT_MS,
  );
  assert.deepEqual(child.errors(), []);
  assert.equal(child.stateOf(rig.serials[1]), 'active');
}

export async function killAndRestartWatch(
  rig: MonitoringRig,
  random: SeededRandom,
  operation: Operation,
): Promise<Expectation> {
  const children: WatchProcess[] = [];
  const camera = rig.serials[0];
  try {
    if (operation === 'HA publishing') {
      // The alert waits in the child's memory while HA is down; the kill loses it; the restart
      // finds the reset again and delivers it once.
      await (await startAndPublish(rig, children)).kill();
      const witness = await WatchProcess.start(rig);
      children.push(witness);
      await rig.ha.goDown();
      await rig.camera.factoryReset();
      await waitFor('the child to see the reset', () => witness.stateOf(camera) === 'inactive', WAIT_MS);
      await sleep(random.int(0, 3 * POLL_MS));
      await witness.kill();
      await rig.ha.comeUp();
      const last = await startAndPublish(rig, children);
      await waitFor('the queued alert', () => rig.alertsAtHa().length >= 1, WAIT_MS);
      await assertStillWatching(rig, last);
      return {
        alerts: [{ serial: camera, type: 'inactive' }],
        cameraState: 'inactive',
        watchedByChild: true,
      };
    }
    const steadyKills = random.int(2, 3);
    for (let i = 0; i < steadyKills; i++) {
      const child = await startAndPublish(rig, children);
      await sleep(random.int(0, 3 * POLL_MS));
      await child.kill();
    }
    const witness = await startAndPublish(rig, children);
    await rig.camera.factoryReset();
    await waitFor('the inactive alert', () => rig.alertsAtHa().length === 1, WAIT_MS);
    await sleep(random.int(0, 3 * POLL_MS));
    await witness.kill();
    const last = await startAndPublish(rig, children);
    await waitFor(
      'the restart to see the camera inactive',
      () => last.stateOf(camera) === 'inactive',
      WAIT_MS,
    );
    await rig.strangerActivates();
    await waitFor('the camera active again in HA', () => rig.entityState(camera) === 'active', WAIT_MS);
    await assertStillWatching(rig, last);
    return {
      // The restarted process finds the reset still there, and its alert memory says it was told.
      alerts: [{ serial: camera, type: 'inactive' }],
      cameraState: 'active',
      watchedByChild: true,
    };
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }
}
