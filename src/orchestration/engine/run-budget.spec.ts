import { RunBudget } from './run-budget.js';

describe('RunBudget', () => {
  it('should reserve estimates, refuse one that would pass the limit, and settle to the real cost', () => {
    const budget = new RunBudget(1);
    const a = budget.reserve(0.4);
    const b = budget.reserve(0.4);
    expect(a && b).toBeTruthy();
    expect(budget.reserve(0.3)).toBeNull(); // 0.8 reserved + 0.3 > 1
    expect(budget.settle(a!, 0.1)).toBe(false);
    expect(budget.remainingUsd).toBeCloseTo(0.5, 12);
    expect(budget.reserve(0.3)).not.toBeNull();
    expect(budget.spentUsd).toBeCloseTo(0.1, 12);
  });

  it('should warn once, when the real spending first reaches 80% of the limit', () => {
    const budget = new RunBudget(1);
    expect(budget.settle(budget.reserve(0.5)!, 0.79)).toBe(false);
    expect(budget.settle(budget.reserve(0.1)!, 0.01)).toBe(true);
    expect(budget.settle(budget.reserve(0.1)!, 0.05)).toBe(false);
  });

  it('should refuse a call of unknown price under a limit, and hold nothing back without one', () => {
    expect(new RunBudget(5).reserve(null)).toBeNull();
    const open = new RunBudget(null);
    expect(open.reserve(null)).toEqual({ amountUsd: 0 });
    expect(open.reserve(1e9)).toEqual({ amountUsd: 1e9 });
    expect(open.remainingUsd).toBe(Infinity);
  });

  it('should hold a step for its dearest fallback that fits, and leave out the fallbacks that do not', () => {
    const budget = new RunBudget(1);
    budget.settle(budget.reserve(0.5)!, 0.5); // $0.50 left
    // The first fits; a dearer fallback fits too; one past what is left and one of unknown price do not.
    const held = budget.reserveStep([0.1, 0.3, 0.6, null]);
    expect(held).toEqual({ usable: [0, 1], reservation: { amountUsd: 0.3 } });
    expect(budget.remainingUsd).toBeCloseTo(0.2, 12);
    // A step whose first model does not fit is not started, whatever its fallbacks.
    expect(budget.reserveStep([0.25, 0.1])).toBeNull();
    expect(budget.remainingUsd).toBeCloseTo(0.2, 12);
  });

  it('should hold every fallback without a limit', () => {
    expect(new RunBudget(null).reserveStep([0.1, null, 5])).toEqual({
      usable: [0, 1, 2],
      reservation: { amountUsd: 0 },
    });
    expect(new RunBudget(null).reserveStep([0.1, 5])).toEqual({ usable: [0, 1], reservation: { amountUsd: 5 } });
  });
});
