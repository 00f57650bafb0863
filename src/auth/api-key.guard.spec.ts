import { presentedKey } from './key-check.js';

describe('presentedKey', () => {
  it.each([
    [{ authorization: 'Bearer orx_abc' }, 'orx_abc'],
    [{ authorization: 'bearer   orx_abc  ' }, 'orx_abc'],
    [{ 'x-api-key': ' orx_xyz ' }, 'orx_xyz'],
    [{ 'x-api-key': 'orx_xyz', authorization: 'Bearer orx_abc' }, 'orx_xyz'],
    [{ authorization: 'Basic dXNlcg==' }, undefined],
    [{ authorization: 'Bearer' }, undefined],
    [{ authorization: 'Bearer two words' }, undefined],
    [{ 'x-api-key': '' }, undefined],
    [{}, undefined],
  ])('should read %j as %p', (headers, expected) => {
    expect(presentedKey(headers)).toBe(expected);
  });
});
