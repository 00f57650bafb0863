import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDotEnv } from './dotenv.js';

describe('readDotEnv', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'orx-dotenv-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should take what the environment does not set, keep what it does, and read quotes and comments', () => {
    const path = join(dir, '.env');
    writeFileSync(path, '# a comment\nPORT=18031\nHOST=127.0.0.1\nCORS_ORIGINS="https://a.example"\nEMPTY=\n');
    const env: NodeJS.ProcessEnv = { HOST: '0.0.0.0' };
    const reading = readDotEnv(env, path);
    expect(reading.path).toBe(path);
    expect(reading.taken.sort()).toEqual(['CORS_ORIGINS', 'EMPTY', 'PORT']);
    expect(env).toEqual({ HOST: '0.0.0.0', PORT: '18031', CORS_ORIGINS: 'https://a.example', EMPTY: '' });
  });

  it('should change nothing without a file', () => {
    const env: NodeJS.ProcessEnv = { PORT: '1' };
    expect(readDotEnv(env, join(dir, '.env'))).toEqual({ path: null, taken: [] });
    expect(env).toEqual({ PORT: '1' });
  });
});
