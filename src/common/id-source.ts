import { type Model, Types } from 'mongoose';

/**
 * The ids a create request gives the objects it stores, in the order it stores them. A request
 * retried under the same Idempotency-Key gets the same ids again, so a write the first attempt
 * made is found (a duplicate `_id`) instead of made twice. Without a key, every id is new.
 */
export class IdSource {
  private taken = 0;

  constructor(private readonly reserved: readonly string[] = []) {}

  next(): Types.ObjectId {
    const id = this.reserved[this.taken];
    this.taken += 1;
    return id === undefined ? new Types.ObjectId() : new Types.ObjectId(id);
  }
}

/** True for MongoDB's duplicate-key error (an `_id` or unique index already taken). */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, writeErrors } = error as { code?: unknown; writeErrors?: { code?: unknown }[] };
  // A bulk write's error carries the duplicates among its write errors.
  return code === 11000 || (Array.isArray(writeErrors) && writeErrors.some((e) => e.code === 11000));
}

/**
 * Inserts a document with its own `_id`; when that `_id` is taken by a document of the same owner
 * (an idempotent retry whose first attempt stored it), returns that one instead.
 */
export async function insertOrFind<T extends { _id: Types.ObjectId; ownerId: string }>(
  model: Model<T>,
  doc: Partial<T> & Pick<T, '_id' | 'ownerId'>,
): Promise<{ doc: T; created: boolean }> {
  try {
    const created = (await model.create(doc as never)) as unknown as { toObject(): T };
    return { doc: created.toObject(), created: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const found = await model.findById(doc._id).lean<T>().exec();
    if (found === null || found.ownerId !== doc.ownerId) throw error;
    return { doc: found, created: false };
  }
}
