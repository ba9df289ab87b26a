import assert from 'node:assert/strict';
import { slope, trendOf, type MemorySample } from '../../bench/support/memory-trend';
import { SeededRandom } from '../support/seeded-random';
import { SoakChaos } from '../../bench/support/soak-chaos';
import { ResetLedger } from '../../bench/support/soak-reset-ledger';
import type { SoakWorld } from '../../bench/support/soak-world';
import { DEFAULT_SOAK_OPTIONS, parseSoakOptions, SoakUsageError } from '../../bench/support/soak-options';
import { checkPasswords } from '../../bench/support/soak-report';
import type { DeviceSnapshot, WorldSnapshot } from '../../bench/support/soak-world-protocol';
import type { VaultRecord } from '../../lib/vault/credential-vault';

describe('soak bench support', () => {
  describe('SeededRandom', () => {
    it('gives the same sequence for the same seed and another for another seed', () => {
      const a = new SeededRandom(42);
      const b = new SeededRandom(42);
      const c = new SeededRandom(43);
      const seqA = Array.from({ length: 20 }, () => a.next());
      assert.deepEqual(
        Array.from({ length: 20 }, () => b.next()),
        seqA,
      );
      assert.notDeepEqual(
        Array.from({ length: 20 }, () => c.next()),
        seqA,
      );
      assert.ok(seqA.every((x) => x >= 0 && x < 1));
    });

    it('chooses weighted keys in proportion and never a zero-weight key', () => {
      const random = new SeededRandom(7);
      const seen = { a: 0, b: 0, never: 0 };
      for (let i = 0; i < 10_000; i++) seen[random.weighted({ a: 3, b: 1, never: 0 })] += 1;
      assert.equal(seen.never, 0);
      assert.ok(seen.a / seen.b > 2.6 && seen.a / seen.b < 3.4, `a:b = ${seen.a}:${seen.b}`);
    });

    it('keeps int() inside its bounds and refuses to pick from nothing', () => {
      const random = new SeededRandom(1);
      const values = new Set(Array.from({ length: 500 }, () => random.int(3, 5)));
      assert.deepEqual([...values].sort(), [3, 4, 5]);
      assert.throws(() => random.pick([]), RangeError);
    });
  });

  describe('SoakChaos', () => {
    /** Records what the chaos asks of the world; every other reset finds its device not activated. */
    async function decisions(
      seed: number,
      wanted: number,
      heldInactive?: (serial: string) => boolean,
      ledger?: ResetLedger,
    ): Promise<{ log: string[]; chaos: SoakChaos }> {
      const log: string[] = [];
      let resets = 0;
      let done = (): void => undefined;
      const enough = new Promise<void>((resolve) => (done = resolve));
      const note = (entry: string): void => {
        log.push(entry);
        if (log.length === wanted) done();
      };
      const world = {
        fault: (serial: string, fault: unknown) =>
          Promise.resolve(note(`fault ${serial} ${JSON.stringify(fault)}`)),
        reboot: (serial: string) => Promise.resolve(note(`reboot ${serial}`)),
        reset: (serial: string) => {
          note(`reset ${serial}`);
          return Promise.resolve(resets++ % 2 === 0);
        },
        haRestart: () => Promise.resolve(note('haRestart')),
      } as unknown as SoakWorld;
      const chaos = new SoakChaos({
        world,
        serials: ['A', 'B', 'C'],
        random: new SeededRandom(seed),
        everyMs: 2,
        haRestartEveryMinutes: 0,
        heldInactive,
        ledger,
        onError: (err) => assert.fail(err),
      });
      chaos.start();
      await enough;
      await chaos.stop();
      return { log, chaos };
    }

    it('makes the same decisions for the same seed, and counts only the resets that happened', async () => {
      const first = await decisions(5, 200);
      const second = await decisions(5, 200);
      const other = await decisions(6, 200);
      assert.deepEqual(second.log.slice(0, 200), first.log.slice(0, 200));
      assert.notDeepEqual(other.log.slice(0, 200), first.log.slice(0, 200));
      // Every decision is counted once: as what it injected, or as a reset the device declined.
      const { injected, resetsDeclined } = first.chaos;
      const counted = Object.values(injected).reduce((a, b) => a + b, 0) + resetsDeclined;
      assert.equal(counted, first.log.length);
      const asked = first.log.filter((l) => l.startsWith('reset')).length;
      assert.equal(injected.factoryReset, Math.ceil(asked / 2));
      assert.equal(resetsDeclined, Math.floor(asked / 2));
      assert.ok(asked >= 2, 'two hundred decisions include resets');
    });

    it('tells the ledger every reset done, and whether its device was held inactive then', async () => {
      const ledger = new ResetLedger();
      const { log } = await decisions(5, 200, (serial) => serial === 'B', ledger);
      // The stand-in world accepts every other reset, in the order they were asked for.
      const accepted = log.filter((l) => l.startsWith('reset')).filter((_, i) => i % 2 === 0);
      const onB = accepted.filter((l) => l === 'reset B').length;
      assert.ok(onB >= 1 && onB < accepted.length, 'the seed resets B and another device');
      assert.deepEqual(ledger.heldSerials, Array<string>(onB).fill('B'));
      assert.equal(ledger.told, onB);
      assert.equal(ledger.untoldSerials().length, accepted.length - onB);
    });
  });

  describe('ResetLedger', () => {
    it('counts a reset told by the alert after it, or by the device already held inactive', () => {
      const ledger = new ResetLedger();
      ledger.reset('A', false);
      ledger.reset('B', true); // held inactive from an earlier reset: Home Assistant shows it so
      ledger.reset('C', false);
      assert.deepEqual(ledger.untoldSerials(), ['A', 'C']);
      ledger.inactiveAlert('A');
      ledger.inactiveAlert('B'); // after a held reset an alert may still come: no surprise
      assert.equal(ledger.told, 2);
      assert.deepEqual(ledger.untoldSerials(), ['C']);
      assert.equal(ledger.alertsWithoutReset, 0);
      ledger.inactiveAlert('B');
      ledger.inactiveAlert('D');
      assert.equal(ledger.alertsWithoutReset, 2);
    });
  });

  describe('parseSoakOptions', () => {
    it('takes flags in both spellings over the environment, defaults for the rest', () => {
      const options = parseSoakOptions(['--minutes', '3', '--devices=50'], {
        HIK_SOAK_MINUTES: '10',
        HIK_SOAK_SEED: '9',
      });
      assert.equal(options.minutes, 3);
      assert.equal(options.devices, 50);
      assert.equal(options.seed, 9);
      assert.equal(options.pollSeconds, DEFAULT_SOAK_OPTIONS.pollSeconds);
    });

    it('refuses unknown options, bad numbers and a layout larger than the fleet', () => {
      assert.throws(() => parseSoakOptions(['--minuets', '3'], {}), SoakUsageError);
      assert.throws(() => parseSoakOptions(['--devices', '2.5'], {}), /whole number/);
      assert.throws(() => parseSoakOptions([], { HIK_SOAK_MINUTES: 'soon' }), /must be a number/);
      assert.throws(() => parseSoakOptions(['--minutes'], {}), /needs a value/);
      assert.throws(
        () => parseSoakOptions(['--devices', '10', '--nvrs', '2', '--cameras-per-nvr', '5'], {}),
        /must not exceed devices/,
      );
    });
  });

  describe('memory trend', () => {
    const series = (values: number[], everyMs = 60_000): MemorySample[] =>
      values.map((v, i) => ({ atMs: i * everyMs, heapUsedMb: v, rssMb: 100 + v }));

    it('finds the slope of a straight line in MB per hour', () => {
      // 1 MB per minute = 60 MB per hour.
      const trend = trendOf(series([10, 11, 12, 13, 14, 15, 16, 17]), (s) => s.heapUsedMb);
      assert.ok(trend);
      assert.ok(Math.abs(trend.slopeMbPerHour - 60) < 1e-9);
      assert.equal(trend.firstQuarterMb, 10.5);
      assert.equal(trend.lastQuarterMb, 16.5);
    });

    it('reports a flat, noisy series as no growth and refuses fewer than four samples', () => {
      const trend = trendOf(series([20, 22, 20, 22, 20, 22, 20, 22]), (s) => s.rssMb);
      assert.ok(trend);
      assert.ok(Math.abs(trend.slopeMbPerHour) < 15, `slope ${trend.slopeMbPerHour}`);
      assert.equal(
        trendOf(series([1, 2, 3]), (s) => s.heapUsedMb),
        null,
      );
      assert.equal(slope([1, 1, 1], [1, 2, 3]), 0);
    });
  });

  describe('checkPasswords', () => {
    const device = (serial: string, password: string | null): DeviceSnapshot => ({
      serial,
      activated: password !== null,
      isUp: true,
      password,
      failedLoginsByIp: [],
      locksTriggered: 0,
      lockRejections: 0,
      factoryResets: 0,
      reboots: 0,
      passwordChanges: 0,
      activations: 0,
      requests: 0,
      channels: [],
    });
    const record = (serial: string, password: string, pending: string | null): VaultRecord =>
      ({
        serial,
        username: 'admin',
        password,
        pending: pending === null ? null : { password: pending, since: '2026-01-01T00:00:00.000Z' },
      }) as unknown as VaultRecord;

    it('counts current, pending, inactive and lost separately', () => {
      const world: WorldSnapshot = {
        devices: [
          device('A', 'cur-A'),
          device('B', 'new-B'),
          device('C', null),
          device('D', 'someone-else'),
          device('E', 'orphan'),
        ],
        haEvents: {},
        haConnections: 0,
        haRestarts: 0,
        rssMb: 0,
      };
      const check = checkPasswords(world, [
        record('A', 'cur-A', null),
        record('B', 'old-B', 'new-B'),
        record('C', 'cur-C', null),
        record('D', 'cur-D', 'new-D'),
      ]);
      assert.deepEqual(check, { current: 1, pending: 1, inactive: 1, lost: 2, lostSerials: ['D', 'E'] });
    });
  });
});
