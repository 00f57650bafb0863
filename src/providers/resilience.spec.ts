import { classOfStatus, parseRetryAfter, ProviderError } from './provider.error.js';
import { DEFAULT_RESILIENCE, retryDelayMs } from './resilience.js';

const options = { ...DEFAULT_RESILIENCE, baseDelayMs: 100, maxDelayMs: 1000, retryAfterCapMs: 5000 };

describe('retryDelayMs', () => {
  it('should draw full jitter below an exponential ceiling capped at maxDelayMs', () => {
    expect(retryDelayMs(options, 1, undefined, () => 0.999)).toBe(100);
    expect(retryDelayMs(options, 3, undefined, () => 0.5)).toBe(200);
    expect(retryDelayMs(options, 10, undefined, () => 0.999)).toBe(999);
    expect(retryDelayMs(options, 2, undefined, () => 0)).toBe(0);
  });

  it('should wait at least the Retry-After the provider asked for, up to the cap', () => {
    const asked = (ms: number) => new ProviderError('rate_limited', 'slow down', { retryAfterMs: ms });
    expect(retryDelayMs(options, 1, asked(3000), () => 0)).toBe(3000);
    expect(retryDelayMs(options, 1, asked(60_000), () => 0)).toBe(5000);
    expect(retryDelayMs(options, 4, asked(10), () => 0.999)).toBe(799);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7000],
    ['0.5', 500],
    ['Wed, 21 Oct 2026 07:28:10 GMT', 10_000],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('should read %p as %p ms', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(expected);
  });
});

describe('classOfStatus', () => {
  it.each([
    [429, 'rate_limited', true],
    [408, 'timeout', true],
    [409, 'upstream_5xx', true],
    [500, 'upstream_5xx', true],
    [503, 'upstream_5xx', true],
    [400, 'bad_request', false],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not_found', false],
  ] as const)('should class %i as %s (retryable: %p)', (status, errorClass, retryable) => {
    expect(classOfStatus(status)).toBe(errorClass);
    expect(new ProviderError(classOfStatus(status), 'x').retryable).toBe(retryable);
  });
});
