/**
 * The vocabulary of the monitoring / Home Assistant part of the fault matrix: which operations and
 * faults there are, what one cell declares (what it injects, what it asserts, or why it does not
 * apply) and what a cell's run tells the judge to expect.
 */
import type { SeededRandom } from '../../support/seeded-random';
import type { LoginCounts, MonitoringRig, ReceivedAlert, RigOptions } from './monitoring-rig';

export const OPERATIONS = ['monitoring', 'HA publishing'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const FAULTS = [
  'timeout',
  'connection reset',
  '5xx',
  'slow body',
  'device reboot',
  'factory reset',
  'third-party lock',
  'disk full',
  'SIGKILL',
  'HA restart',
] as const;
export type Fault = (typeof FAULTS)[number];

/** What the judge checks after a cell ran and its fault cleared. */
export interface Expectation {
  /** Alerts HA must have received, in order: exactly one per real change the cell made. */
  alerts: Omit<ReceivedAlert, 'alertId'>[];
  /** Final state of the faulted camera (monitor and HA entity); the bystander must be `active`. */
  cameraState: string;
  /** Logins a third party made on the camera, which its counters include (none of them ours). */
  thirdParty?: LoginCounts;
  /** Codes the watch may report through onError (typed errors the cell provoked). */
  allowedErrorCodes?: string[];
  /** Vault state of the camera's record (default `ok`); its password must be unchanged anyway. */
  vaultState?: 'ok' | 'needs_attention';
  /**
   * The watch ran in child processes: the cell already checked that the last one polls and
   * publishes, so the judge checks only what HA, the devices and the vault show.
   */
  watchedByChild?: boolean;
}

interface CellPlace {
  operation: Operation;
  fault: Fault;
}

/** A cell that runs: it injects the fault, lets it clear and says what must be true now. */
export interface RunCell extends CellPlace {
  /** For docs/reliability.md: what is injected and what is asserted beyond the common checks. */
  injected: string;
  asserted: string;
  rig?: RigOptions;
  run: (rig: MonitoringRig, random: SeededRandom) => Promise<Expectation>;
  na?: undefined;
}

/** A cell that does not apply, and why. */
export interface NaCell extends CellPlace {
  na: string;
  run?: undefined;
}

export type Cell = RunCell | NaCell;
