/**
 * Which factory resets the product told Home Assistant about, device by device. A reset is told
 * when an `inactive` alert for its device follows it, or when the product already held that device
 * inactive at the reset (an earlier reset whose re-claim was not verified yet): Home Assistant shows
 * it inactive, and the same inactive episode rightly gives no second alert. An alert after such a
 * reset is no surprise either (a re-claim finishing just after the reset, then the next poll).
 */
export class ResetLedger {
  /** Resets done and told. */
  told = 0;
  /** Devices reset while the product held them inactive, in order. */
  readonly heldSerials: string[] = [];
  /** Inactive alerts that followed no reset of their device. */
  alertsWithoutReset = 0;
  /** Resets not yet followed by an alert, by serial. */
  private readonly untold = new Map<string, number>();
  /** Devices whose last reset came while held inactive. */
  private readonly alertOptional = new Set<string>();

  /**
   * A reset about to be done: noted before it is, because the device's SADP Hello may bring the
   * alert before the world confirms the reset.
   */
  reset(serial: string, heldInactive: boolean): void {
    if (heldInactive) {
      this.told += 1;
      this.heldSerials.push(serial);
      this.alertOptional.add(serial);
      return;
    }
    this.untold.set(serial, (this.untold.get(serial) ?? 0) + 1);
  }

  /** The world declined that reset (the device was down or not activated): it never happened. */
  withdraw(serial: string, heldInactive: boolean): void {
    if (heldInactive) {
      this.told -= 1;
      this.heldSerials.splice(this.heldSerials.lastIndexOf(serial), 1);
      if (!this.heldSerials.includes(serial)) this.alertOptional.delete(serial);
      return;
    }
    const waiting = (this.untold.get(serial) ?? 0) - 1;
    if (waiting > 0) this.untold.set(serial, waiting);
    else this.untold.delete(serial);
  }

  inactiveAlert(serial: string): void {
    const waiting = this.untold.get(serial) ?? 0;
    if (waiting > 0) {
      this.told += waiting;
      this.untold.delete(serial);
      this.alertOptional.delete(serial);
    } else if (!this.alertOptional.delete(serial)) {
      this.alertsWithoutReset += 1;
    }
  }

  /** Devices with a reset no alert followed (once per reset). */
  untoldSerials(): string[] {
    return [...this.untold].flatMap(([serial, n]) => Array<string>(n).fill(serial));
  }
}
