import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** What `.env` gave the environment: the file read and the variables taken from it. */
export interface DotEnvReading {
  path: string | null;
  taken: string[];
}

/**
 * Reads `.env` in the working folder (Node's own parser: `KEY=value`, quotes, `#` comments) into
 * `env`; a variable the environment already has keeps its value. No file: nothing changes.
 */
export function readDotEnv(env: NodeJS.ProcessEnv = process.env, path = resolve('.env')): DotEnvReading {
  if (!existsSync(path)) return { path: null, taken: [] };
  const taken: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    taken.push(name);
  }
  return { path, taken };
}
