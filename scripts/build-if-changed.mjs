// `npm start` and the demos: rebuild the server (dist/) and the console (console/dist/) only when
// what they are built from changed since their last build. Each build writes a fingerprint (a
// SHA-256 of its inputs' paths and contents) beside its output; a missing or different one rebuilds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BUILDS = [
  {
    name: 'server',
    inputs: ['src', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'],
    stamp: 'dist/.inputs-sha256',
    command: ['npx', ['nest', 'build']],
  },
  {
    name: 'console',
    inputs: ['console', 'package-lock.json'],
    skip: new Set(['console/dist']),
    stamp: 'console/dist/.inputs-sha256',
    command: ['npm', ['run', 'build:console']],
  },
];

function files(path, skip) {
  if (skip?.has(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name), skip));
}

function fingerprint({ inputs, skip }) {
  const hash = createHash('sha256');
  for (const path of inputs.flatMap((input) => files(input, skip))) {
    hash.update(`${path}\0`).update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}

for (const build of BUILDS) {
  const digest = fingerprint(build);
  if (existsSync(build.stamp) && readFileSync(build.stamp, 'utf8') === digest) {
    process.stdout.write(`The ${build.name} is built from these sources already: not rebuilt.\n`);
    continue;
  }
  process.stdout.write(`Building the ${build.name}…\n`);
  const [command, args] = build.command;
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(build.stamp, digest);
}
