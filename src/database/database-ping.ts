import type { Connection } from 'mongoose';

/** Pings the database; resolves with its latency, or rejects (`not connected`, no answer in time, the driver's error). */
export async function pingDatabase(connection: Connection, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const db = connection.db;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (db === undefined) throw new Error('not connected');
    await Promise.race([
      db.admin().command({ ping: 1 }),
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - started;
}

/** Whether an error says the database could not be reached (rather than that it refused an operation). */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    /^Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|PoolCleared|TopologyClosed)Error$/.test(error.name) ||
    /ECONNRESET|ECONNREFUSED|EPIPE|connection .* closed|Client must be connected/i.test(error.message)
  );
}
