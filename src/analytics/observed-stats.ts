/** What analytics has seen a model do (none until analytics exists; priors decide alone then). */
export interface ObservedStats {
  calls: number;
  /** Mean evaluation score received, 1 to 10; null before any. */
  meanScore: number | null;
  successRate: number;
  p50LatencyMs: number | null;
}
