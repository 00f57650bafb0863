import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2})))?$/;

/** True for a real calendar date (`2026-11-01`) or an RFC 3339 date-time (seconds and zone given). */
export function isDateOrDateTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = SHAPE.exec(value);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year); // years 0-99 as themselves
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  if (m[4] === undefined) return true;
  // RFC 3339 allows a leap second (60).
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 60) return false;
  return m[7] === undefined || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
}

/** The instant a checked value names (a leap second read as the second before it). */
export function parseDateOrDateTime(value: string): Date {
  return new Date(value.replace(/:60(?=(?:\.\d+)?(?:[Zz]|[+-]))/, ':59'));
}

/** An optional query field: a date or an RFC 3339 date-time, checked and documented as either. */
export function DateOrDateTime(name: string, example: string): PropertyDecorator {
  return applyDecorators(
    ValidateBy(
      { name: 'isDateOrDateTime', validator: { validate: isDateOrDateTime } },
      { message: `${name} must be a date (${example}) or an RFC 3339 date-time (${example}T00:00:00Z)` },
    ),
    ApiPropertyOptional({ anyOf: [{ format: 'date' }, { format: 'date-time' }] }),
  );
}
