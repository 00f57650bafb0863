/**
 * Fixed log-scale latency buckets (milliseconds), the same for every rollup so that counts can be
 * summed with `$sum` alone and percentiles read from them. Bucket i holds values in
 * (BOUNDS[i-1], BOUNDS[i]]; bucket 0 holds [0, 1]; the last one everything above the last bound.
 */
export const GROWTH = 1.5;
export const BOUNDS: readonly number[] = Array.from({ length: 34 }, (_, i) => GROWTH ** i); // 1 ms … ~10.8 min
export const BUCKETS = BOUNDS.length + 1;

/** The field of bucket i inside a histogram object: `b0` … `b34`. */
export const bucketField = (i: number): string => `b${i}`;

export function bucketOf(ms: number): number {
  for (let i = 0; i < BOUNDS.length; i += 1) if (ms <= BOUNDS[i]) return i;
  return BOUNDS.length;
}

/** The value range a bucket covers; the overflow bucket ends at +Infinity. */
export function bucketRange(i: number): [number, number] {
  return [i === 0 ? 0 : BOUNDS[i - 1], i < BOUNDS.length ? BOUNDS[i] : Infinity];
}

/**
 * The q-quantile (0 < q ≤ 1) of the values counted in `counts`, interpolated linearly inside the
 * bucket it falls in: it lies within that bucket's width of the true value. Null when empty.
 */
export function quantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i += 1) {
    const n = counts[i];
    if (n > 0 && seen + n >= rank) {
      const [low, high] = bucketRange(i);
      if (high === Infinity) return low;
      return low + ((high - low) * Math.max(0, rank - seen)) / n;
    }
    seen += n;
  }
  return bucketRange(counts.length - 1)[0];
}
