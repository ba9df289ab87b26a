/**
 * The operations of the matrix as data: how the target is put in the state the operation starts
 * from, how the product runs it (in this process), and the device requests it makes in order —
 * the sites where a fault can be placed. `phase` says whether a site comes before the request that
 * changes the device, is that request, or comes after it.
 */
import { HikError } from '../../../lib/errors';
import { reclaimDevice } from '../../../lib/rotation/reclaim-device';
import { reconcileDevice } from '../../../lib/rotation/reconcile-device';
import { rotateDevice } from '../../../lib/rotation/rotate-device';
import type { MatrixWorld } from './matrix-world';
import type { SeededRandom } from '../../support/seeded-random';

export type OperationName = 'rotation' | 'reconcile' | 'reclaim';

export interface RequestSite {
  label: string;
  method: string;
  path: string;
  /** Authenticated requests are two round trips: the digest challenge, then the credentials. */
  authenticated: boolean;
  /** Which request to this path (1 = the first) the operation makes here. */
  nth: number;
  phase: 'before' | 'apply' | 'after';
  /** Reconcile reaches its second attempt only when the device took the pending password. */
  needsPendingApplied?: boolean;
}

export interface DeviceOperation {
  name: OperationName;
  sites: readonly RequestSite[];
  /** Vault writes the operation makes on its way to success (for the full-disk fault). */
  vaultWrites: readonly string[];
  /** Puts the target in the state the operation starts from. */
  prepare(world: MatrixWorld, random: SeededRandom, site: RequestSite | null): Promise<string>;
  /** Runs the operation; resolves to its outcome, or the code of the typed error it ended with. */
  run(world: MatrixWorld): Promise<string>;
}

/** A pending password a crashed earlier rotation left behind. */
export const LEFT_PENDING = 'Left-Pend1ng#Pw';

async function outcomeOf(work: () => Promise<string>): Promise<string> {
  try {
    return await work();
  } catch (err) {
    // Anything but a typed error fails the cell: the process would not know what happened.
    if (!HikError.isHikError(err)) throw err;
    return err.code;
  }
}

export const ROTATION: DeviceOperation = {
  name: 'rotation',
  sites: [
    {
      label: 'precheck deviceInfo',
      method: 'GET',
      path: '/ISAPI/System/deviceInfo',
      authenticated: true,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'capabilities',
      method: 'GET',
      path: '/ISAPI/Security/capabilities',
      authenticated: true,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'user list',
      method: 'GET',
      path: '/ISAPI/Security/users',
      authenticated: true,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'PUT user password',
      method: 'PUT',
      path: '/ISAPI/Security/users/1',
      authenticated: true,
      nth: 1,
      phase: 'apply',
    },
    {
      label: 'verify userCheck',
      method: 'GET',
      path: '/ISAPI/Security/userCheck',
      authenticated: true,
      nth: 1,
      phase: 'after',
    },
  ],
  vaultWrites: ['write pending', 'commit'],
  prepare: () => Promise.resolve('enrolled, ok'),
  run: (world) =>
    outcomeOf(async () => {
      const outcome = await rotateDevice(world.rotateOptions(world.target.serialNumber));
      return outcome.error?.code ?? outcome.result;
    }),
};

export const RECONCILE: DeviceOperation = {
  name: 'reconcile',
  sites: [
    {
      label: 'try current',
      method: 'GET',
      path: '/ISAPI/System/deviceInfo',
      authenticated: true,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'try pending',
      method: 'GET',
      path: '/ISAPI/System/deviceInfo',
      authenticated: true,
      nth: 2,
      phase: 'before',
      needsPendingApplied: true,
    },
  ],
  vaultWrites: ['discard or adopt pending'],
  async prepare(world, random, site) {
    await world.vault.writePending(world.target.serialNumber, LEFT_PENDING);
    // Did the crashed rotation's PUT reach the device? Seeded, unless the site needs it.
    const applied = site?.needsPendingApplied === true || random.next() < 0.5;
    if (applied) world.target.setPassword('admin', LEFT_PENDING);
    return applied ? 'pending, applied on the device' : 'pending, never reached the device';
  },
  run: (world) =>
    outcomeOf(async () => {
      const outcome = await reconcileDevice({
        vault: world.vault,
        serial: world.target.serialNumber,
        ...world.connection(),
      });
      return outcome.resolution;
    }),
};

export const RECLAIM: DeviceOperation = {
  name: 'reclaim',
  sites: [
    {
      label: 'activateStatus',
      method: 'GET',
      path: '/SDK/activateStatus',
      authenticated: false,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'activation challenge',
      method: 'POST',
      path: '/ISAPI/Security/challenge',
      authenticated: false,
      nth: 1,
      phase: 'before',
    },
    {
      label: 'PUT activate',
      method: 'PUT',
      path: '/ISAPI/System/activate',
      authenticated: false,
      nth: 1,
      phase: 'apply',
    },
    {
      label: 'verify deviceInfo',
      method: 'GET',
      path: '/ISAPI/System/deviceInfo',
      authenticated: true,
      nth: 1,
      phase: 'after',
    },
  ],
  vaultWrites: ['write pending', 'commit', 'address and username'],
  async prepare(world) {
    await world.target.factoryReset();
    return 'factory-reset, record ok';
  },
  run: (world) =>
    outcomeOf(async () => {
      const outcome = await reclaimDevice({
        vault: world.vault,
        serial: world.target.serialNumber,
        address: world.address(),
        sawInactive: true,
        ...world.connection(),
      });
      return outcome.result;
    }),
};

export const OPERATIONS: readonly DeviceOperation[] = [ROTATION, RECONCILE, RECLAIM];
