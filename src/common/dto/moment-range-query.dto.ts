import { DateOrDateTime, parseDateOrDateTime } from '../date-or-date-time.js';
import { Optional } from '../optional.js';
import { PageQueryDto } from './page-query.dto.js';

/** A page of a log (requests, audit) narrowed to a time range. */
export class MomentRangeQueryDto extends PageQueryDto {
  /** Entries at or after this moment: a date (its UTC midnight) or an RFC 3339 date-time. */
  @Optional()
  @DateOrDateTime('from', '2026-11-01')
  from?: string;

  /** Entries at or before this moment: a date (its UTC midnight) or an RFC 3339 date-time. */
  @Optional()
  @DateOrDateTime('to', '2026-11-30')
  to?: string;
}

/** The range as moments (either end left open when not given). */
export function momentsOf(query: MomentRangeQueryDto): { from?: Date; to?: Date } {
  return {
    from: query.from === undefined ? undefined : parseDateOrDateTime(query.from),
    to: query.to === undefined ? undefined : parseDateOrDateTime(query.to),
  };
}
