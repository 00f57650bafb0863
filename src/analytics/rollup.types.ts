/** The rollup collections: daily counters per owner and model, session, run outcome, key and MCP tool. */
export const ROLLUPS = ['usage', 'model', 'session', 'run', 'key', 'tool'] as const;
export type Rollup = (typeof ROLLUPS)[number];
/**
 * The rollups a retention removes: all but the key rollups, which hold a key's total spend (its
 * `usdTotal` budget) for as long as the key exists.
 */
export const EXPIRING_ROLLUPS: readonly Rollup[] = ['usage', 'model', 'session', 'run', 'tool'];

/** One upsert of a rollup document: fields set on insert and counters added. */
export interface Increment {
  rollup: Rollup;
  id: string;
  set: Record<string, unknown>;
  inc: Record<string, number>;
}

/** A rollup document as stored: its key fields and its counter groups (`n`, `lat`, `fail`…). */
export type RollupDoc = Record<string, unknown> & { _id: string; day: Date; ownerId: string };

export interface RollupFilter {
  ownerId?: string;
  from?: Date;
  to?: Date;
  domain?: string;
  sessionId?: string;
  keyId?: string;
}
