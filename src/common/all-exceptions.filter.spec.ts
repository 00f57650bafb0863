import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { classifyError } from './all-exceptions.filter.js';

describe('classifyError', () => {
  it.each([
    [new NotFoundException('session x not found'), 404, 'session x not found'],
    [new PayloadTooLargeException('content has 9 characters'), 413, 'content has 9 characters'],
    [Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 }), 400, 'Body is not valid JSON'],
    [Object.assign(new Error('Cast to ObjectId failed'), { name: 'CastError' }), 400, 'Cast to ObjectId failed'],
    [
      Object.assign(new Error('E11000 duplicate key'), { code: 11000 }),
      409,
      'An object with the same unique value already exists',
    ],
    [
      new Error('Operation `sessions.findOne()` buffering timed out after 5000ms'),
      503,
      'The database is unavailable; try again shortly',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'MongoServerSelectionError' }),
      503,
      'The database is unavailable; try again shortly',
    ],
    [
      Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' }),
      503,
      'The database is unavailable; try again shortly',
    ],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), 500, 'Internal server error'],
    ['a thrown string', 500, 'Internal server error'],
  ])('should map %p to %i', (error, status, message) => {
    expect(classifyError(error)).toEqual({ status, message });
  });

  it('should not let an upstream 5xx statusCode pass as a client error', () => {
    expect(classifyError(Object.assign(new Error('boom'), { statusCode: 502 })).status).toBe(500);
  });
});
