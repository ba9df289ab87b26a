/**
 * Fault matrix, monitoring and Home Assistant rows (issue 8 item 3): each operation × each fault
 * is one cell from the tables in monitoring-support/, run against the simulator and the HA test
 * server, and judged on the same four points — no alert storm, no login spent or lock caused, no
 * password lost, process still healthy. Cells that cannot apply carry the reason instead of a run.
 * Faults are placed by a seeded PRNG (seed in the titles); set HIK_GUARD_MATRIX_SEED to replay another.
 */
import assert from 'node:assert/strict';
import { sharedSadpSockets } from '../../lib/runtime';
import { HA_PUBLISHING_ROW } from './monitoring-support/ha-publishing-row';
import { judge } from './monitoring-support/judge';
import { FAULTS, OPERATIONS, type Cell } from './monitoring-support/matrix-cells';
import { MONITORING_ROW } from './monitoring-support/monitoring-row';
import { MonitoringRig } from './monitoring-support/monitoring-rig';
import { SeededRandom } from '../support/seeded-random';

const SEED = Number(process.env.HIK_GUARD_MATRIX_SEED ?? 0x6d0a17) >>> 0;
const CELLS: Cell[] = [...MONITORING_ROW, ...HA_PUBLISHING_ROW];
const hex = `0x${SEED.toString(16)}`;

describe(`fault matrix: monitoring and HA publishing (seed ${hex})`, function () {
  // A bound for a busy machine (the SIGKILL cells start up to five child processes), not a goal.
  this.timeout(120_000);
  let rig: MonitoringRig | null = null;

  afterEach(async () => {
    await rig?.stop();
    rig = null;
    assert.equal(sharedSadpSockets().openSockets, 0, 'every SADP socket closed');
  });

  it('has exactly one cell per operation × fault, each with a run or a reason', () => {
    for (const operation of OPERATIONS) {
      for (const fault of FAULTS) {
        const cells = CELLS.filter((c) => c.operation === operation && c.fault === fault);
        assert.equal(cells.length, 1, `${operation} × ${fault}`);
        const [cell] = cells as [Cell];
        const described = cell.run ? cell.injected !== '' && cell.asserted !== '' : cell.na !== '';
        assert.ok(described, `${operation} × ${fault} says what it does or why it does not apply`);
      }
    }
    assert.equal(CELLS.length, OPERATIONS.length * FAULTS.length);
  });

  for (const cell of CELLS) {
    if (!cell.run) continue;
    const { run } = cell;
    it(`${cell.operation} × ${cell.fault} (seed ${hex}): ${cell.asserted}`, async () => {
      const random = SeededRandom.forCell(SEED, `${cell.operation} × ${cell.fault}`);
      rig = await MonitoringRig.start(random, cell.rig);
      rig.baseline();
      const expected = await run(rig, random);
      await judge(rig, expected);
    });
  }
});
