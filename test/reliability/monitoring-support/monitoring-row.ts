/**
 * The monitoring row: faults at the devices while the ResetWatch (SADP + free activateStatus poll
 * + state machine) watches them and publishes to Home Assistant. The camera gets the fault, the
 * bystander nothing. Offline needs 2 unanswered polls in a row (`offlineAfterFailures: 2`).
 */
import assert from 'node:assert/strict';
import { DeviceLockedError } from '../../../lib/errors';
import { checkUser } from '../../../lib/isapi/endpoints/security';
import { IsapiClient } from '../../../lib/isapi/isapi-client';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import { waitFor } from '../../lib/homeassistant/support';
import { VAULT_WRITE_STEPS } from '../../support/failing-disk';
import type { SeededRandom } from '../../support/seeded-random';
import type { Cell } from './matrix-cells';
import { ADMIN_PASSWORD, type MonitoringRig } from './monitoring-rig';
import { killAndRestartWatch } from './sigkill-cells';

const OFFLINE_AFTER = 2;
/** The simulator's lock: 7 wrong admin logins, 1800 s. */
const LOCK_FAILURES = 7;
const LOCK_SECONDS = 1800;

/**
 * `rounds` polls where each fails with probability 0.6 (the seed decides), plus what the state
 * machine must make of them: `offline` once per run of OFFLINE_AFTER failures, `active` on the
 * next answer after it.
 */
function flapPlan(random: SeededRandom, rounds: number): { fails: boolean[]; transitions: string[] } {
  const fails = Array.from({ length: rounds }, () => random.next() < 0.6);
  fails[0] = fails[1] = true; // at least one real outage in every seed
  const transitions: string[] = [];
  let run = 0;
  for (const failed of fails) {
    run = failed ? run + 1 : 0;
    if (failed && run === OFFLINE_AFTER) transitions.push('offline');
    if (!failed && transitions.at(-1) === 'offline') transitions.push('active');
  }
  if (transitions.at(-1) === 'offline') transitions.push('active'); // the answer after the fault clears
  return { fails, transitions };
}

/** Polls through a flap plan with `kind` as the failure, then once more with the fault gone. */
async function flap(
  rig: MonitoringRig,
  random: SeededRandom,
  kind: 'dropConnection' | 'busy',
): Promise<void> {
  const plan = flapPlan(random, random.int(8, 12));
  for (const failed of plan.fails) {
    if (failed) rig.camera.faults.inject({ kind, method: 'GET', path: '/SDK/activateStatus', times: 1 });
    await rig.watch!.pollNow();
  }
  await rig.watch!.pollNow();
  // A busy answer is an answer: the device is alive, nothing to debounce.
  const expected = kind === 'busy' ? [] : plan.transitions;
  assert.deepEqual(
    rig.changesOf(rig.serials[0]).map((c) => [c.to, c.alert]),
    expected.map((to) => [to, null]),
    `transitions for ${plan.fails.map((f) => (f ? 'x' : '.')).join('')}`,
  );
}

/** Someone else's program on this host guesses wrong until the device locks the address. */
async function outsiderLocks(rig: MonitoringRig): Promise<void> {
  for (let i = 0; i < LOCK_FAILURES; i++) {
    const outsider = new IsapiClient({
      host: rig.camera.host ?? '',
      port: rig.camera.port ?? 0,
      protocol: 'http',
      guard: new LoginGuard(),
    });
    await checkUser(outsider, { username: 'admin', password: `guess-${i}` }).catch(() => undefined);
    await outsider.close();
  }
  assert.equal(rig.camera.counters.locksTriggered, 1, 'the outsider locked the device');
}

async function factoryReset(rig: MonitoringRig): Promise<void> {
  await rig.camera.factoryReset();
  // SADP's Hello and the poll both see it; which comes first does not matter.
  await rig.watch!.pollNow();
  await waitFor('the camera inactive', () => rig.state(rig.serials[0]) === 'inactive');
}

export const MONITORING_ROW: Cell[] = [
  {
    operation: 'monitoring',
    fault: 'timeout',
    injected: 'activateStatus hangs (sim `hang`) for 2 poll rounds; each poll times out after 3 s',
    asserted: '`offline` once, back to `active` on the first answer; no alert',
    run: async (rig) => {
      rig.camera.faults.inject({ kind: 'hang', method: 'GET', path: '/SDK/activateStatus' });
      for (let i = 0; i < OFFLINE_AFTER; i++) await rig.watch!.pollNow();
      // Held, not refused (the HTTP client may retry a timed-out idempotent GET once more).
      assert.ok(rig.camera.faults.hungRequests >= OFFLINE_AFTER, 'the polls were held');
      rig.camera.faults.clear();
      await rig.watch!.pollNow();
      assert.deepEqual(
        rig.changesOf(rig.serials[0]).map((c) => [c.to, c.alert]),
        [
          ['offline', null],
          ['active', null],
        ],
      );
      return { alerts: [], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: 'connection reset',
    injected:
      'activateStatus connection dropped (sim `dropConnection`) in a seeded flap pattern of 8-12 rounds',
    asserted:
      'exactly the transitions a 2-failure debounce gives (offline/active per real outage), never an alert',
    run: async (rig, random) => {
      await flap(rig, random, 'dropConnection');
      return { alerts: [], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: '5xx',
    injected: 'activateStatus answers 503 Device Busy (sim `busy`) in a seeded flap pattern of 8-12 rounds',
    asserted: 'a busy answer is a sign of life: no transition at all, never an alert',
    run: async (rig, random) => {
      await flap(rig, random, 'busy');
      return { alerts: [], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: 'slow body',
    injected: 'activateStatus body dribbled in 3 chunks over 300 ms (sim `slowBody`) for 3-6 rounds',
    asserted: 'a slow but complete answer is an answer: no transition at all, no alert',
    run: async (rig, random) => {
      const rounds = random.int(3, 6);
      const fault = rig.camera.faults.inject({
        kind: 'slowBody',
        durationMs: 300,
        chunks: 3,
        method: 'GET',
        path: '/SDK/activateStatus',
        times: rounds,
      });
      for (let i = 0; i < rounds; i++) await rig.watch!.pollNow();
      assert.equal(fault.hits, rounds);
      assert.deepEqual(rig.changesOf(rig.serials[0]), []);
      return { alerts: [], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: 'device reboot',
    injected: 'camera reboots (sim `reboot()`, password kept, new boot time in its SADP Hello); polled after',
    asserted: 'one `rebooted` event, no state change, no alert',
    run: async (rig) => {
      rig.skewMs += 120_000; // boot times have whole seconds
      await rig.camera.reboot();
      await waitFor('rebooted', () => rig.changesOf(rig.serials[0]).some((c) => c.event === 'rebooted'));
      await rig.watch!.pollNow();
      assert.deepEqual(
        rig.changesOf(rig.serials[0]).map((c) => [c.kind, c.event ?? c.to, c.alert]),
        [['event', 'rebooted', null]],
      );
      return { alerts: [], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: 'factory reset',
    injected:
      'camera factory-reset (sim `factoryReset()`: Hello with activated=false, poll says not activated), seen again by 3-6 polls and a SADP scan; then a third party activates it',
    asserted:
      'exactly one `inactive` alert; HA notification created, dismissed once the device is active again',
    run: async (rig, random) => {
      await factoryReset(rig);
      const rounds = random.int(3, 6);
      for (let i = 0; i < rounds; i++) await rig.watch!.pollNow();
      await rig.watch!.scanNow();
      await rig.delivered();
      assert.equal(rig.ha.core.notifications.size, 1, 'one notification for the reset');
      await rig.strangerActivates();
      await rig.watch!.pollNow();
      await rig.delivered();
      assert.equal(rig.ha.core.notifications.size, 0, 'dismissed once active again');
      return { alerts: [{ serial: rig.serials[0], type: 'inactive' }], cameraState: 'active' };
    },
  },
  {
    operation: 'monitoring',
    fault: 'third-party lock',
    injected:
      'another program on this host makes 7 wrong logins (the device locks the address for 1800 s); our verify probes once and the shared login guard learns the lock; 2-5 poll rounds; clock +1900 s',
    asserted:
      '`locked` (no alert), no poll sent inside the lock window, no login of ours (failedLogins/authenticatedRequests/lockRejections unchanged after the outsider), `active` after the window',
    run: async (rig, random) => {
      await outsiderLocks(rig);
      const thirdParty = rig.logins(rig.camera);
      const verify = new IsapiClient({
        host: rig.camera.host ?? '',
        port: rig.camera.port ?? 0,
        protocol: 'http',
        serial: rig.serials[0],
        credential: { username: 'admin', password: ADMIN_PASSWORD },
        guard: rig.guard,
      });
      const refused = await checkUser(verify).then(
        () => assert.fail('the locked device let the verify in'),
        (err: unknown) => err,
      );
      await verify.close();
      assert.ok(refused instanceof DeviceLockedError, 'the probe learnt the lock without a login');
      const polls = rig.polls(rig.camera);
      const rounds = random.int(2, 5);
      for (let i = 0; i < rounds; i++) await rig.watch!.pollNow();
      assert.equal(rig.state(rig.serials[0]), 'locked');
      assert.equal(rig.polls(rig.camera), polls, 'nothing sent inside the lock window');
      rig.skewMs += (LOCK_SECONDS + 100) * 1000;
      await rig.watch!.pollNow();
      assert.deepEqual(
        rig.changesOf(rig.serials[0]).map((c) => [c.to, c.alert]),
        [
          ['locked', null],
          ['active', null],
        ],
      );
      return { alerts: [], cameraState: 'active', thirdParty };
    },
  },
  {
    operation: 'monitoring',
    fault: 'disk full',
    rig: { vault: true },
    injected:
      'vault-known camera reset and activated by a stranger; the needs_attention write (ownership lost) fails with ENOSPC at a seeded step of the six',
    asserted:
      'alerts `inactive` then `ownership_lost`, once each over 2-4 more polls; HIK_ERR_VAULT_WRITE via onError; the flag is written again on the next poll (vault needs_attention, memory and disk), the password kept, nothing pending',
    run: async (rig, random) => {
      const step = random.pick(VAULT_WRITE_STEPS);
      await factoryReset(rig);
      rig.disk.arm(0, step);
      await rig.strangerActivates();
      await rig.watch!.pollNow();
      await rig.delivered();
      assert.equal(rig.disk.failures, 1, `the write failed at ${step}`);
      assert.deepEqual(
        rig.errors.map((e) => e.name),
        ['VaultWriteError'],
      );
      const rounds = random.int(2, 4);
      for (let i = 0; i < rounds; i++) await rig.watch!.pollNow();
      return {
        alerts: [
          { serial: rig.serials[0], type: 'inactive' },
          { serial: rig.serials[0], type: 'ownership_lost' },
        ],
        cameraState: 'auth_failed',
        allowedErrorCodes: ['HIK_ERR_VAULT_WRITE'],
        vaultState: 'needs_attention',
      };
    },
  },
  {
    operation: 'monitoring',
    fault: 'SIGKILL',
    rig: { watch: 'none' },
    injected:
      'the watch runs in a child process (poll every 100 ms, HA link); SIGKILLed at seeded moments in steady state, then after a factory reset was alerted, and restarted each time',
    asserted:
      'every restart re-publishes both entities with no alert for healthy devices; the reset is alerted once, by the child that saw it: the restart that finds it still inactive reads in the alert memory on disk that Home Assistant has it',
    run: (rig, random) => killAndRestartWatch(rig, random, 'monitoring'),
  },
  {
    operation: 'monitoring',
    fault: 'HA restart',
    na: 'monitoring does not depend on Home Assistant; the HA publishing × HA restart cell polls and detects a reset during the outage',
  },
];
