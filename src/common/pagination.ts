import { Type as ClassType } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import mongoose, { Types } from 'mongoose';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type IdBound = { $lt: Types.ObjectId } | { $gt: Types.ObjectId };

export type SortDirection = 'newest' | 'oldest';

/** The `_id` filter and sort of one page; ids grow with time, so they order by creation. */
export function pageQuery(cursor: string | undefined, direction: SortDirection) {
  const sort: Record<string, 1 | -1> = { _id: direction === 'newest' ? -1 : 1 };
  if (cursor === undefined) return { filter: {}, sort };
  const bound = new Types.ObjectId(cursor);
  const op: IdBound = direction === 'newest' ? { $lt: bound } : { $gt: bound };
  // Our own operator: exempt from sanitizeFilter, which neutralises operators sent by clients.
  return { filter: { _id: mongoose.trusted(op) }, sort };
}

/** Builds a page from `limit + 1` fetched documents. */
export function toPage<D extends { _id: Types.ObjectId }, T>(docs: D[], limit: number, map: (doc: D) => T): Page<T> {
  const more = docs.length > limit;
  const slice = more ? docs.slice(0, limit) : docs;
  return {
    items: slice.map(map),
    nextCursor: more ? slice[slice.length - 1]._id.toHexString() : null,
  };
}

/** A Swagger response class for a page of `item`. */
export function PageOf<T>(item: ClassType<T>, name: string): ClassType<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` to get the next page; null on the last page.',
    })
    nextCursor: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: name });
  return PageDto;
}
