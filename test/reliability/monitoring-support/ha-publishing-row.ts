/**
 * The HA publishing row: faults between the watch and Home Assistant (through the fault proxy or
 * the test server's own switches) while a real change, a factory reset of the camera, has to get
 * through: exactly one `inactive` alert and the camera's entity `inactive` once the fault clears.
 * Device-side faults are covered by the monitoring row, whose every cell also checks what HA got.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../lib/homeassistant/support';
import type { Cell, Expectation } from './matrix-cells';
import type { MonitoringRig } from './monitoring-rig';
import { killAndRestartWatch } from './sigkill-cells';

/** The camera is reset; the watch sees it whatever HA is doing. */
async function resetCamera(rig: MonitoringRig): Promise<void> {
  await rig.camera.factoryReset();
  await rig.watch!.pollNow();
  await waitFor('the camera inactive', () => rig.state(rig.serials[0]) === 'inactive');
}

function oneReset(rig: MonitoringRig): Expectation {
  return { alerts: [{ serial: rig.serials[0], type: 'inactive' }], cameraState: 'inactive' };
}

const DEVICE_SIDE =
  'a device-side fault; every monitoring-row cell runs through the HA link and asserts what the HA test server received';

export const HA_PUBLISHING_ROW: Cell[] = [
  {
    operation: 'HA publishing',
    fault: 'timeout',
    injected:
      'HA stops answering (proxy holds all traffic both ways, as in a partition) for 0.8-1.6 s while the reset is alerted (command timeout 400 ms, retries with back-off); then the held traffic arrives',
    asserted:
      'the link drops the silent socket on the first command timeout and re-sends once on a new one: one `inactive` alert at HA (at most one re-sent copy, same alert_id), entity `inactive`',
    run: async (rig, random) => {
      rig.proxy.stall();
      await resetCamera(rig);
      await sleep(random.int(800, 1600));
      rig.proxy.resume();
      return oneReset(rig);
    },
  },
  {
    operation: 'HA publishing',
    fault: 'connection reset',
    injected:
      'every HA connection reset (proxy RST) while the alert is on its way (it is lost with the connection), then 1-4 more resets at seeded moments once it was delivered',
    asserted:
      'the link reconnects each time and re-sends the lost alert: exactly one `inactive` alert, entity `inactive`',
    run: async (rig, random) => {
      rig.proxy.stall();
      await resetCamera(rig);
      await waitFor('the alert on its way', () => rig.proxy.heldTowardsHa('websocket') > 0);
      rig.proxy.dropAll();
      rig.proxy.resume();
      await rig.delivered();
      const drops = random.int(1, 4);
      for (let i = 0; i < drops; i++) {
        await sleep(random.int(20, 200));
        rig.proxy.dropAll();
        await rig.delivered();
      }
      return oneReset(rig);
    },
  },
  {
    operation: 'HA publishing',
    fault: '5xx',
    injected:
      'HA REST answers 503 (test server `setStopping`) for 0.3-0.8 s around the reset; the WebSocket stays up',
    asserted:
      'the entity state is retried until HA takes it; exactly one `inactive` alert, entity `inactive`',
    run: async (rig, random) => {
      rig.ha.setStopping(true);
      await resetCamera(rig);
      await waitFor('a refused state POST', () => rig.ha.restLog.some((e) => e.status === 503));
      await sleep(random.int(300, 800));
      rig.ha.setStopping(false);
      return oneReset(rig);
    },
  },
  {
    operation: 'HA publishing',
    fault: 'slow body',
    injected: 'every chunk HA sends (REST answers, WebSocket frames) arrives 100-250 ms late (proxy)',
    asserted: 'exactly one `inactive` alert, entity `inactive`; nothing resent because it was slow',
    run: async (rig, random) => {
      rig.proxy.slow(random.int(100, 250));
      await resetCamera(rig);
      await rig.delivered();
      rig.proxy.slow(0);
      return oneReset(rig);
    },
  },
  { operation: 'HA publishing', fault: 'device reboot', na: DEVICE_SIDE },
  { operation: 'HA publishing', fault: 'factory reset', na: DEVICE_SIDE },
  { operation: 'HA publishing', fault: 'third-party lock', na: DEVICE_SIDE },
  {
    operation: 'HA publishing',
    fault: 'disk full',
    na: 'publishing writes nothing to disk: what waits for HA is held in memory (bounded, latest state wins)',
  },
  {
    operation: 'HA publishing',
    fault: 'SIGKILL',
    rig: { watch: 'none' },
    injected:
      'the watch (child process) sees the reset while HA is down, is SIGKILLed with the alert queued in memory; HA comes back and the watch is restarted',
    asserted: 'the restarted watch re-publishes both entities and delivers the alert exactly once',
    run: (rig, random) => killAndRestartWatch(rig, random, 'HA publishing'),
  },
  {
    operation: 'HA publishing',
    fault: 'HA restart',
    injected:
      'HA goes down (`goDown`: connections dropped, states forgotten), the reset happens during the outage, HA comes back (`comeUp`, STARTING then RUNNING); then a plain `restart()`',
    asserted:
      'the watch polls on during the outage; the queued alert arrives once; after each restart both entities are there again; no alert resent',
    run: async (rig) => {
      await rig.ha.goDown();
      const polls = rig.polls(rig.bystander);
      await resetCamera(rig);
      assert.ok(rig.polls(rig.bystander) > polls, 'polling went on while HA was down');
      await rig.ha.comeUp();
      await rig.delivered();
      assert.equal(rig.entityState(rig.serials[0]), 'inactive');
      await rig.ha.restart();
      await waitFor('both entities re-published', () =>
        rig.serials.every((s) => rig.entityState(s) !== undefined),
      );
      return oneReset(rig);
    },
  },
];
