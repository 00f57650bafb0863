import { BOUNDS, bucketOf, bucketRange, BUCKETS, quantile } from './histogram.js';

describe('latency histogram', () => {
  it('should put a value in the bucket whose range holds it', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.2)).toBe(1);
    expect(bucketOf(100)).toBe(12); // 1.5^11 ≈ 86.5 < 100 ≤ 1.5^12 ≈ 129.7
    expect(bucketOf(1e9)).toBe(BUCKETS - 1);
    for (const v of [3, 57, 999, 12_345]) {
      const [low, high] = bucketRange(bucketOf(v));
      expect(v > low && v <= high).toBe(true);
    }
    expect(BOUNDS.at(-1)).toBeGreaterThan(600_000);
  });

  it('should read quantiles within one bucket of the true value', () => {
    const values = [12, 15, 18, 40, 41, 55, 90, 120, 300, 2500];
    const counts = new Array<number>(BUCKETS).fill(0);
    for (const v of values) counts[bucketOf(v)] += 1;
    // The true p50 is 41 (nearest rank 5 of 10), in (1.5^9, 1.5^10] = (38.44, 57.67]; p95 and p99
    // are 2500 (rank 10), in (1.5^19, 1.5^20] = (2216.8, 3325.3]. Bounds written out by hand.
    for (const [q, low, high] of [
      [0.5, 38.44, 57.67],
      [0.95, 2216.83, 3325.26],
      [0.99, 2216.83, 3325.26],
    ]) {
      const estimate = quantile(counts, q)!;
      expect(estimate).toBeGreaterThanOrEqual(low);
      expect(estimate).toBeLessThanOrEqual(high);
    }
    expect(quantile(new Array<number>(BUCKETS).fill(0), 0.5)).toBeNull();
  });
});
