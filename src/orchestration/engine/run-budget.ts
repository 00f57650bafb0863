/** A reservation held for one call until it settles. */
export interface Reservation {
  amountUsd: number;
}

/**
 * A run's cost limit. Before a call its estimated cost is reserved; a call whose reservation would
 * pass the limit is not started. After the call the reservation settles to the real cost.
 */
export class RunBudget {
  private spent = 0;
  private reserved = 0;
  private warned = false;

  constructor(
    readonly limitUsd: number | null,
    private readonly warnShare = 0.8,
  ) {}

  get spentUsd(): number {
    return this.spent;
  }

  /** What is left for new reservations; Infinity without a limit. */
  get remainingUsd(): number {
    return this.limitUsd === null ? Infinity : Math.max(0, this.limitUsd - this.spent - this.reserved);
  }

  /** Whether a call that may cost `estimateUsd` (null: unknown) fits in what is left. */
  canHold(estimateUsd: number | null): boolean {
    return this.limitUsd === null || (estimateUsd !== null && estimateUsd <= this.remainingUsd);
  }

  /**
   * Holds a step whose models may answer in turn (the first, then its fallbacks), each one's most
   * given in `estimatesUsd`: the hold covers the dearest of those that fit, and the fallbacks that
   * do not fit are left out of the step. Null when the first does not fit.
   * @returns how many of the models, from the first, the step may use (those that fit, in order).
   */
  reserveStep(estimatesUsd: readonly (number | null)[]): { usable: number[]; reservation: Reservation } | null {
    const usable = estimatesUsd.flatMap((usd, i) => (this.canHold(usd) ? [i] : []));
    if (usable[0] !== 0) return null;
    const dearest = usable
      .map((i) => estimatesUsd[i])
      .reduce<number | null>((most, usd) => (most === null || usd === null ? null : Math.max(most, usd)), 0);
    const reservation = this.reserve(dearest);
    return reservation === null ? null : { usable, reservation };
  }

  /**
   * Holds `estimateUsd` for a call; null when the call must not start (it would pass the limit, or
   * its price is unknown and so cannot be held to a limit).
   */
  reserve(estimateUsd: number | null): Reservation | null {
    if (this.limitUsd === null) return { amountUsd: estimateUsd ?? 0 };
    if (estimateUsd === null || !this.canHold(estimateUsd)) return null;
    this.reserved += estimateUsd;
    return { amountUsd: estimateUsd };
  }

  /** Replaces the reservation by the real cost (null: unknown, counts as 0 here); true once 80% is first passed. */
  settle(reservation: Reservation, actualUsd: number | null): boolean {
    this.reserved = Math.max(0, this.reserved - reservation.amountUsd);
    this.spent += actualUsd ?? 0;
    if (this.limitUsd !== null && !this.warned && this.spent >= this.warnShare * this.limitUsd) {
      this.warned = true;
      return true;
    }
    return false;
  }
}
