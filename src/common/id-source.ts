import { type Model, Types } from 'mongoose';
import { createHash } from 'node:crypto';

/**
 * The ids a create request gives the objects it stores, in the order it stores them. A request
 * retried under the same Idempotency-Key gets the same ids again, so a write the first attempt
 * made is found (a duplicate `_id`) instead of made twice: the reserved ids first, then ids
 * derived from the first of them (a request may store more objects than were reserved, such as
 * a conversation's messages). Without a key, every id is new.
 */
export class IdSource {
  private taken = 0;

  constructor(private readonly reserved: readonly string[] = []) {}

  next(): Types.ObjectId {
    const index = this.taken;
    this.taken += 1;
    const id = this.reserved[index];
    if (id !== undefined) return new Types.ObjectId(id);
    if (this.reserved.length === 0) return new Types.ObjectId();
    const digest = createHash('sha256').update(`${this.reserved[0]}:${index}`).digest();
    return new Types.ObjectId(digest.subarray(0, 12));
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
