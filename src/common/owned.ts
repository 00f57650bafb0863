import type { Model, Types } from 'mongoose';

/** Whose documents a query may see: one owner's, or (no `ownerId`: an admin) everyone's. */
export type OwnerScope = { ownerId?: string };

/**
 * The document with this `_id` if the scope may see it (no `ownerId` in the scope: any owner's),
 * else null, so a foreign document answers exactly like a missing one. The filter is `_id` alone:
 * the embedded FerretDB uses its index only for that exact filter (any other field added to it
 * scans the whole collection), so ownership is checked here, on the one document read.
 */
export async function findOwned<T extends { ownerId: string }>(
  model: Model<T>,
  scope: OwnerScope,
  id: Types.ObjectId,
): Promise<T | null> {
  const doc = await model.findById(id).lean<T>().exec();
  if (doc === null || (scope.ownerId !== undefined && doc.ownerId !== scope.ownerId)) return null;
  return doc;
}
