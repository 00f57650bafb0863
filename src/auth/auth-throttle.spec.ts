import { AuthThrottle } from './auth-throttle.js';

describe('AuthThrottle', () => {
  it('should refuse an address past its limit until its window ends, and count addresses apart', () => {
    const throttle = new AuthThrottle(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i += 1) {
      expect(throttle.retryAfterMs('1.1.1.1', t0 + i)).toBe(0);
      throttle.fail('1.1.1.1', t0 + i);
    }
    expect(throttle.retryAfterMs('1.1.1.1', t0 + 10)).toBe(59_990);
    expect(throttle.retryAfterMs('2.2.2.2', t0 + 10)).toBe(0);
    expect(throttle.retryAfterMs('1.1.1.1', t0 + 60_000)).toBe(0);
    throttle.fail('1.1.1.1', t0 + 60_001);
    expect(throttle.retryAfterMs('1.1.1.1', t0 + 60_002)).toBe(0);
  });
});
