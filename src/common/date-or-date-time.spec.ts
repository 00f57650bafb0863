import { isDateOrDateTime } from './date-or-date-time.js';

describe('isDateOrDateTime', () => {
  it.each([
    ['2026-11-01', true],
    ['2024-02-29', true],
    ['2026-11-01T10:20:30Z', true],
    ['2026-11-01t10:20:30.123+05:30', true],
    ['2016-12-31T23:59:60Z', true],
    ['0001-01-01', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-11-00', false],
    ['2026-11-01T24:00:00Z', false],
    ['2026-11-01T10:20Z', false],
    ['2026-11-01T10:20:30', false],
    ['2026', false],
    ['', false],
    [20261101, false],
  ])('should take %p as %p', (value, expected) => {
    expect(isDateOrDateTime(value)).toBe(expected);
  });
});
