/** A clock tests move by hand, injected into devices so lock expiry needs no sleeping. */
export class ManualClock {
  constructor(private time = Date.UTC(2024, 4, 1, 12, 0, 0)) {}

  readonly now = (): number => this.time;

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}
