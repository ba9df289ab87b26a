/**
 * The faults of the matrix as data. Each fault says whether it can reach an operation (and why
 * not), and places itself on the operation with the cell's seeded PRNG: which request, which
 * round trip of it, which variant. A placement arms the fault, runs the operation through it with
 * a time bound, checks the fault really fired, and ends it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FaultScope, FaultSpec } from '../../../sim/fault-plan';
import { ROTATION_STEPS } from '../../../lib/rotation/rotation-steps';
import type { ChildMessage, ChildStart } from '../../lib/rotation/support/rotation-child';
import { forkLoaded, type LoadedChild } from './child-runner';
import type { DeviceOperation, RequestSite } from './device-operations';
import { VAULT_WRITE_STEPS } from '../../support/failing-disk';
import { BEYOND_TIMEOUT_MS, VAULT_SECRET, type MatrixWorld } from './matrix-world';
import type { OperationChildMessage, OperationChildStart } from './operation-child';
import type { SeededRandom } from '../../support/seeded-random';

export type FaultName =
  | 'timeout_before_apply'
  | 'timeout_after_apply'
  | 'connection_reset'
  | 'busy_5xx'
  | 'slow_body'
  | 'device_reboot'
  | 'factory_reset'
  | 'third_party_lock'
  | 'disk_full'
  | 'sigkill';

export interface Placement {
  /** What is injected where, for the test title and docs/reliability.md. */
  label: string;
  site: RequestSite | null;
  /** Arms the fault, runs the operation through it (bounded) and ends the fault; the outcome. */
  run(world: MatrixWorld, operation: DeviceOperation): Promise<string>;
}

export interface MatrixFault {
  name: FaultName;
  /** The reason this fault cannot reach `operation`, or null when it applies. */
  notApplicable(operation: DeviceOperation): string | null;
  place(operation: DeviceOperation, random: SeededRandom): Placement[];
}

/** An operation that does not end by then is a hung process, not a slow one. */
const OPERATION_BOUND_MS = 10_000;
const ROTATION_CHILD = join(__dirname, '..', '..', 'lib', 'rotation', 'support', 'rotation-child.ts');
const OPERATION_CHILD = join(__dirname, 'operation-child.ts');
/** Step boundaries of a rotation without consumers, in event order (start, done per step). */
const ROTATION_EVENTS = ROTATION_STEPS.filter(
  (s) => s !== 'update_consumers' && s !== 'confirm_consumers',
).flatMap((s) => [`${s}:start`, `${s}:done`]);

/** Matches only the nth request to `path` within its fault's scope (FaultPlan calls test once each). */
class NthRequest extends RegExp {
  private seen = 0;

  constructor(
    path: string,
    private readonly nth: number,
  ) {
    super(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
  }

  override test(path: string): boolean {
    if (!super.test(path)) return false;
    this.seen += 1;
    return this.seen === this.nth;
  }
}

type Round = 'challenge' | 'credentials';
/** A fault's kind and parameters, without the scope the placement adds. */
type FaultKind = FaultSpec extends infer F ? (F extends unknown ? Omit<F, keyof FaultScope> : never) : never;

function scope(site: RequestSite, round: Round) {
  return {
    method: site.method,
    path: new NthRequest(site.path, site.nth),
    ...(site.authenticated ? { withCredentials: round === 'credentials' } : {}),
    times: 1 as const,
  };
}

function siteLabel(site: RequestSite, round: Round): string {
  return site.authenticated ? `${site.label} (${round} round)` : site.label;
}

function pickRound(site: RequestSite, random: SeededRandom): Round {
  return site.authenticated ? random.pick(['challenge', 'credentials'] as const) : 'credentials';
}

function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not end within ${OPERATION_BOUND_MS} ms`)),
      OPERATION_BOUND_MS,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** One device fault on one round trip of one request. */
function deviceFault(site: RequestSite, round: Round, spec: FaultKind, label: string): Placement {
  return {
    label: `${label} at ${siteLabel(site, round)}`,
    site,
    async run(world, operation) {
      const injected = world.target.faults.inject({ ...spec, ...scope(site, round) });
      const outcome = await bounded(operation.run(world), operation.name);
      assert.ok(injected.hits >= 1, `the fault never reached ${site.label}`);
      return outcome;
    },
  };
}

/** Holds one round trip of `site` until `act` has run; `act` ends the hold (reboot, reset, clear). */
function heldAt(
  site: RequestSite,
  round: Round,
  label: string,
  act: (world: MatrixWorld) => Promise<void>,
): Placement {
  return {
    label: `${label} while ${siteLabel(site, round)} is in flight`,
    site,
    async run(world, operation) {
      world.target.faults.inject({ kind: 'hang', ...scope(site, round) });
      const running = bounded(operation.run(world), operation.name);
      assert.equal(await heldOrEnded(world, running), 'held', `the operation never reached ${site.label}`);
      await act(world);
      return running;
    },
  };
}

/** Resolves once the target holds a request, or once `running` ended first. */
async function heldOrEnded(world: MatrixWorld, running: Promise<unknown>): Promise<'held' | 'ended'> {
  // An object, not a local: the callbacks flip it while this loop awaits.
  const state = { ended: false };
  void running.then(
    () => (state.ended = true),
    () => (state.ended = true),
  );
  while (!state.ended && world.target.faults.hungRequests === 0) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return world.target.faults.hungRequests > 0 ? 'held' : 'ended';
}

/** A third party on this host gets the admin password wrong until the device locks the IP. */
async function lockByOutsider(world: MatrixWorld): Promise<void> {
  const device = world.target;
  world.sim.allowThirdPartyLock(device);
  const before = device.counters.locksTriggered;
  for (let i = 0; i < 10 && device.counters.locksTriggered === before; i++) {
    const failed = device.counters.failedLogins;
    await world.sim
      .outsider(device)
      .request('GET', '/ISAPI/System/deviceInfo', {
        credential: { username: 'admin', password: `Wr0ng-guess-${i}` },
      })
      .catch(() => undefined);
    world.outsiderFailures += device.counters.failedLogins - failed;
  }
  assert.equal(device.counters.locksTriggered, before + 1, 'the third party did not lock the device');
}

/** The lock runs out: the device's and the guard's clocks jump past it (and the guard's margin). */
function waitOutLock(world: MatrixWorld): void {
  world.clock.advance(world.target.profile.lock.lockSeconds * 1000 + 61_000);
}

const sitesWhere = (operation: DeviceOperation, ok: (s: RequestSite) => boolean) =>
  operation.sites.filter(ok);

export const FAULTS: readonly MatrixFault[] = [
  {
    name: 'timeout_before_apply',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(sitesWhere(operation, (s) => s.phase !== 'after'));
      const round = site.phase === 'apply' ? 'credentials' : pickRound(site, random);
      return random.next() < 0.5
        ? [deviceFault(site, round, { kind: 'hang' }, 'no answer (hang)')]
        : [
            deviceFault(
              site,
              round,
              { kind: 'latency', ms: BEYOND_TIMEOUT_MS },
              `${BEYOND_TIMEOUT_MS} ms latency`,
            ),
          ];
    },
  },
  {
    name: 'timeout_after_apply',
    notApplicable: (operation) =>
      operation.sites.some((s) => s.phase === 'apply')
        ? null
        : 'reconcile changes nothing on the device (two deviceInfo reads); its one change is the vault write (disk full row)',
    place(operation, random) {
      const apply = operation.sites.find((s) => s.phase === 'apply');
      const after = operation.sites.find((s) => s.phase === 'after');
      assert.ok(apply && after);
      const variant = random.int(0, 2);
      if (variant === 0) {
        return [
          deviceFault(
            apply,
            'credentials',
            { kind: 'rebootMidRequest', applyBeforeFailing: true },
            'applied, then connection dropped and reboot',
          ),
        ];
      }
      if (variant === 1) {
        const durationMs = BEYOND_TIMEOUT_MS * 3;
        return [
          deviceFault(
            apply,
            'credentials',
            { kind: 'slowBody', durationMs, chunks: 2 },
            `applied, answer body over ${durationMs} ms`,
          ),
        ];
      }
      return [deviceFault(after, 'credentials', { kind: 'hang' }, 'applied, then no answer (hang)')];
    },
  },
  {
    name: 'connection_reset',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(operation.sites);
      return [deviceFault(site, pickRound(site, random), { kind: 'dropConnection' }, 'connection reset')];
    },
  },
  {
    name: 'busy_5xx',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(operation.sites);
      return [deviceFault(site, pickRound(site, random), { kind: 'busy' }, '503 Device Busy')];
    },
  },
  {
    name: 'slow_body',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(operation.sites);
      const durationMs = random.int(150, 1500);
      return [
        deviceFault(
          site,
          pickRound(site, random),
          { kind: 'slowBody', durationMs, chunks: 3 },
          `body over ${durationMs} ms`,
        ),
      ];
    },
  },
  {
    name: 'device_reboot',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(operation.sites);
      return [
        heldAt(site, pickRound(site, random), 'reboot', (world) =>
          Promise.resolve(world.target.rebootInBackground()),
        ),
      ];
    },
  },
  {
    name: 'factory_reset',
    notApplicable: () => null,
    place(operation, random) {
      const site = random.pick(operation.sites);
      return [
        heldAt(site, pickRound(site, random), 'factory reset', (world) => {
          void world.target.factoryReset();
          return Promise.resolve();
        }),
      ];
    },
  },
  {
    name: 'third_party_lock',
    notApplicable: () => null,
    place(operation, random) {
      // An inactive device has no login to fail: a re-claim can only meet a lock after activating.
      const choices: (RequestSite | null)[] = [
        ...(operation.name === 'reclaim' ? [] : [null]),
        ...operation.sites.filter((s) => s.authenticated),
      ];
      const site = random.pick(choices);
      if (site === null) {
        return [
          {
            label: 'IP locked by a third party before the operation',
            site: null,
            async run(world, op) {
              await lockByOutsider(world);
              const outcome = await bounded(op.run(world), op.name);
              waitOutLock(world);
              return outcome;
            },
          },
        ];
      }
      const held = heldAt(site, 'challenge', 'IP locked by a third party', async (world) => {
        await lockByOutsider(world);
        world.target.faults.clear(); // the held challenge now reports the lock
      });
      return [
        {
          ...held,
          run: async (world, op) => {
            const outcome = await held.run(world, op);
            waitOutLock(world);
            return outcome;
          },
        },
      ];
    },
  },
  {
    name: 'disk_full',
    notApplicable: () => null,
    place(operation, random) {
      const write = random.int(0, operation.vaultWrites.length - 1);
      const step = random.pick(VAULT_WRITE_STEPS);
      return [
        {
          label: `ENOSPC at ${step} of the vault write "${operation.vaultWrites[write]}"`,
          site: null,
          async run(world, op) {
            world.disk.arm(write, step);
            const outcome = await bounded(op.run(world), op.name);
            assert.equal(world.disk.failures, 1, 'the disk never failed');
            return outcome;
          },
        },
      ];
    },
  },
  {
    name: 'sigkill',
    notApplicable: () => null,
    place(operation, random) {
      if (operation.name === 'rotation') {
        // One kill before the pending password is durable, one before the PUT's answer, one after.
        const apply = ROTATION_EVENTS.indexOf('apply:done');
        const persisted = ROTATION_EVENTS.indexOf('persist_pending:done');
        return [
          random.int(0, persisted - 1),
          random.int(persisted, apply - 1),
          random.int(apply, ROTATION_EVENTS.length - 1),
        ].map(killRotationAt);
      }
      return random
        .sample(operation.sites, Math.min(3, operation.sites.length))
        .map((site) => killWhileHeld(site, 'credentials'));
    },
  },
];

/** The rotation child (crash-safety's) stops at each step boundary; it dies at `atEvent`. */
function killRotationAt(atEvent: number): Placement {
  const event = ROTATION_EVENTS[atEvent] ?? '?';
  return {
    label: `SIGKILL at ${event}`,
    site: null,
    async run(world) {
      await world.closeVault();
      const loaded = await forkLoaded(ROTATION_CHILD);
      let reached = 'started';
      let events = 0;
      loaded.child.on('message', (message: ChildMessage) => {
        if (message.type === 'done') reached = `finished (${message.result})`;
        if (message.type !== 'event') return;
        reached = `${message.event.step}:${message.event.phase}`;
        if (events++ === atEvent) void loaded.kill();
        else loaded.child.send({ type: 'go' });
      });
      const start: ChildStart = {
        type: 'start',
        vaultFile: world.vaultFile,
        secret: VAULT_SECRET,
        serial: world.target.serialNumber,
        settleMs: 5,
        mode: 'boundary',
      };
      loaded.child.send(start);
      await endChild(loaded);
      await world.newProcess();
      assert.equal(reached, event, 'the child died somewhere else');
      return `killed at ${reached}`;
    },
  };
}

/** The child (reconcile or re-claim) dies while the device holds `site`'s request. */
function killWhileHeld(site: RequestSite, round: Round): Placement {
  return {
    label: `SIGKILL while ${siteLabel(site, round)} is in flight`,
    site,
    async run(world, operation) {
      await world.closeVault();
      const loaded = await forkLoaded(OPERATION_CHILD);
      let result = 'killed';
      loaded.child.on('message', (message: OperationChildMessage) => {
        if (message.type === 'done') result = message.result;
      });
      world.target.faults.inject({ kind: 'hang', ...scope(site, round) });
      const start: OperationChildStart = {
        type: 'start',
        operation: operation.name === 'reclaim' ? 'reclaim' : 'reconcile',
        vaultFile: world.vaultFile,
        secret: VAULT_SECRET,
        serial: world.target.serialNumber,
        address: world.address(),
      };
      loaded.child.send(start);
      const held = await heldOrEnded(world, endChild(loaded, OPERATION_BOUND_MS));
      await loaded.kill();
      world.target.faults.clear();
      await world.newProcess();
      assert.equal(held, 'held', `the child ended (${result}) before reaching ${site.label}`);
      return `killed at ${site.label}`;
    },
  };
}

/** Waits for the child to exit; a child still alive after `ms` is killed (and the cell fails later). */
async function endChild(loaded: LoadedChild, ms = 15_000): Promise<void> {
  const timer = setTimeout(() => void loaded.kill(), ms);
  await loaded.exited;
  clearTimeout(timer);
}
