/**
 * Which SADP targets a watch's interval scan asks. Where a device answered its last free poll,
 * the poll has already said it is there and whether it is activated; asking it by SADP as well
 * every round was most of what a large watch spent (BENCHMARKS.md, "Watching 1,000 devices").
 * So a round asks every target with no answering device (not found yet, or its poll failing: a
 * reset device may be back on another HTTP port) and a rolling share of the others, so each is
 * still asked every `recheckRounds` rounds: its boot time tells a reboot that fell between two
 * polls.
 */
import type { SadpTarget } from '../sadp/sadp-scanner';

/** Every answering device is asked by SADP once in this many rounds. */
export const SADP_RECHECK_ROUNDS = 10;

export class SadpTargetSchedule {
  private round = 0;

  constructor(private readonly recheckRounds = SADP_RECHECK_ROUNDS) {}

  /** The targets this round asks, given the hosts whose devices answered their last poll. */
  due(targets: readonly SadpTarget[], answering: ReadonlySet<string>): SadpTarget[] {
    const turn = this.round % this.recheckRounds;
    this.round += 1;
    return targets.filter(
      (target, index) => !answering.has(target.host) || index % this.recheckRounds === turn,
    );
  }
}
