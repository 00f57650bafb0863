import { redactSecrets, registerSecrets } from './secrets.js';

describe('redactSecrets', () => {
  it('should take out a registered secret wherever it stands', () => {
    registerSecrets(['plain-looking-value-42', undefined, 'short']);
    expect(redactSecrets('failed for plain-looking-value-42, sorry')).toBe('failed for [redacted], sorry');
    expect(redactSecrets('a short word')).toBe('a short word');
  });

  it('should take out anything shaped like a credential', () => {
    expect(redactSecrets('Incorrect API key provided: Bearer abc.DEF-123_xyz.')).toBe(
      'Incorrect API key provided: Bearer [redacted]',
    );
    expect(redactSecrets('key sk-proj-AbCdEf01234 is wrong')).toBe('key [redacted] is wrong');
    expect(redactSecrets('sk-ant-AbCdEf0123')).toBe('[redacted]');
    expect(redactSecrets('xai-AbCdEf0123456789')).toBe('[redacted]');
    expect(redactSecrets('{"api_key": "hunter2hunter2"}')).toBe('{"api_key": "[redacted]"}');
    expect(redactSecrets('invalid x-api-key: abcdef123456')).toBe('invalid x-api-key: [redacted]');
  });

  it('should leave ordinary text alone', () => {
    const text = 'The model gpt-5.4-mini answered 429: rate limited, retry after 2 s (task-12345678).';
    expect(redactSecrets(text)).toBe(text);
  });
});
