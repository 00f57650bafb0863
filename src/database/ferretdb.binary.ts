import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The wrapper Go module in the repository, and where built binaries are kept (git-ignored).
const toolDir = (projectRoot: string) => join(projectRoot, 'tools', 'ferretdb');
const cacheDir = (projectRoot: string) => join(projectRoot, '.cache', 'ferretdb');

export class FerretDbUnavailableError extends Error {
  override name = 'FerretDbUnavailableError';
}

/** The pinned FerretDB version, read from the wrapper module's go.mod. */
export function pinnedFerretDbVersion(projectRoot: string): string {
  const goMod = readFileSync(join(toolDir(projectRoot), 'go.mod'), 'utf8');
  const match = /github\.com\/FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod);
  return match ? match[1] : 'unknown';
}

/** Where the binary for the current wrapper sources lives; a change to them gives a new path. */
export function ferretDbBinaryPath(projectRoot: string): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go', 'patches.json']) {
    hash.update(readFileSync(join(toolDir(projectRoot), file)));
  }
  const version = pinnedFerretDbVersion(projectRoot);
  return join(cacheDir(projectRoot), `${version}-${hash.digest('hex').slice(0, 12)}`, 'ferretdb');
}

interface SourcePatch {
  why: string;
  file: string;
  find: string;
  replace: string;
}

/**
 * FerretDB's source from the Go module proxy, copied beside the binary and patched as
 * `tools/ferretdb/patches.json` says (each `find` must occur exactly once), and a go.mod that
 * builds the wrapper against that copy. Returns the go.mod's path (for `go build -modfile`).
 */
function patchedModFile(projectRoot: string, version: string, buildDir: string): string {
  const tools = toolDir(projectRoot);
  const download = spawnSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], {
    cwd: tools,
    encoding: 'utf8',
  });
  const module = download.status === 0 ? (JSON.parse(download.stdout) as { Dir?: string }) : {};
  if (module.Dir === undefined) {
    throw new FerretDbUnavailableError(
      `Downloading FerretDB ${version} failed: ${download.stderr.trim().slice(-2000)}`,
    );
  }
  const source = join(buildDir, 'source');
  rmSync(source, { recursive: true, force: true });
  cpSync(module.Dir, source, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', source]); // the module cache's files are read-only
  const patches = JSON.parse(readFileSync(join(tools, 'patches.json'), 'utf8')) as SourcePatch[];
  for (const patch of patches) {
    const file = join(source, patch.file);
    const text = readFileSync(file, 'utf8');
    if (text.split(patch.find).length !== 2) {
      throw new FerretDbUnavailableError(`FerretDB ${version}: ${patch.file} does not hold "${patch.find}" once`);
    }
    writeFileSync(file, text.replace(patch.find, patch.replace));
  }
  const modFile = join(buildDir, 'go.mod');
  writeFileSync(
    modFile,
    `${readFileSync(join(tools, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${source}\n`,
  );
  cpSync(join(tools, 'go.sum'), join(buildDir, 'go.sum'));
  return modFile;
}

/**
 * Returns the path of a runnable FerretDB binary, building it from the Go module proxy the
 * first time (a few minutes), with progress on stderr, and with the patches of
 * `tools/ferretdb/patches.json` applied. Later calls return at once.
 */
export async function ensureFerretDbBinary(
  projectRoot: string,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  const target = ferretDbBinaryPath(projectRoot);
  if (existsSync(target)) return target;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new FerretDbUnavailableError(
      'The embedded database (FerretDB) is not built yet and Go is not installed to build it. ' +
        'Either install Go 1.24 or newer (then start again: the build runs once), ' +
        'or set MONGODB_URI to a MongoDB server (for example mongodb://localhost:27017/orchestratex).',
    );
  }

  const version = pinnedFerretDbVersion(projectRoot);
  log(`Building FerretDB ${version} with ${go.stdout.trim()} (first start only; this takes a few minutes)…`);
  mkdirSync(join(target, '..'), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  const started = Date.now();
  let compiled = 0;

  const modFile = patchedModFile(projectRoot, version, join(target, '..'));
  await new Promise<void>((done, fail) => {
    const child = spawn('go', ['build', '-v', '-trimpath', '-modfile', modFile, '-o', partial, '.'], {
      cwd: toolDir(projectRoot),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        tail = `${tail}\n${line}`.slice(-4000);
        if (/^[\w.\-/]+$/.test(line.trim())) {
          compiled += 1;
          if (compiled % 50 === 0) {
            log(`  FerretDB build: ${compiled} packages compiled (${Math.round((Date.now() - started) / 1000)} s)`);
          }
        }
      }
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done();
      else fail(new FerretDbUnavailableError(`Building FerretDB ${version} failed (go build exit ${code}):${tail}`));
    });
  });

  renameSync(partial, target);
  rmSync(partial, { force: true });
  log(`FerretDB ${version} built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return target;
}
