/** The next call would pass the run's cost limit: the run stops with its best answer so far. */
export class BudgetStop extends Error {
  override name = 'BudgetStop';
}

/** Raised once a cancelled run's in-flight calls have been aborted. */
export class RunCancelled extends Error {
  override name = 'RunCancelled';
}

/**
 * Waits for every task, so each step is recorded before the run moves on, then rethrows a
 * cancellation or budget stop if any task hit one.
 */
export async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const stop = results.find(
    (r): r is PromiseRejectedResult =>
      r.status === 'rejected' && (r.reason instanceof RunCancelled || r.reason instanceof BudgetStop),
  );
  if (stop !== undefined) throw stop.reason;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
