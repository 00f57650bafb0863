import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * node-llama-cpp, which only the real-model demo, eval and tests use, is not a dependency of the
 * server: its CPU and GPU binaries are ~680 MB. It has a package of its own (`local-model/runtime`,
 * with its lock), installed by `npm ci` into `.cache/node-llama-cpp` on first use and again when
 * that lock changes. The interfaces below are the part of its API the local model server uses.
 */
export interface ChatHistoryItem {
  type: 'system' | 'user' | 'model';
  text?: string;
  response?: string[];
}
export type LlamaGrammar = object;
export interface TokenMeterState {
  usedInputTokens: number;
  usedOutputTokens: number;
}
export interface LlamaContextSequence {
  clearHistory(): Promise<void>;
  readonly tokenMeter: { getState(): TokenMeterState };
}
export interface LlamaContext {
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}
export interface LlamaModel {
  createContext(options: { threads: number; contextSize: number; sequences: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
export interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  getGrammarFor(type: 'json'): Promise<LlamaGrammar>;
  createGrammarForJsonSchema(schema: unknown): Promise<LlamaGrammar>;
  dispose(): Promise<void>;
}
export interface LlamaChatSession {
  setChatHistory(history: ChatHistoryItem[]): void;
  promptWithMeta(
    prompt: string,
    options: {
      maxTokens: number;
      temperature: number;
      topP?: number;
      seed: number;
      grammar?: LlamaGrammar;
      customStopTriggers?: string[];
      signal: AbortSignal;
      stopOnAbortSignal: boolean;
      onTextChunk: (text: string) => void;
    },
  ): Promise<{ responseText: string; stopReason: string }>;
  dispose(options: { disposeSequence: boolean }): void;
}
export interface LlamaCpp {
  getLlama: (options: { gpu: false; build: 'never'; logLevel: 'error' }) => Promise<Llama>;
  LlamaChatSession: new (options: {
    contextSequence: LlamaContextSequence;
    autoDisposeSequence: boolean;
  }) => LlamaChatSession;
  TokenMeter: { diff: (meter: { getState(): TokenMeterState }, before: TokenMeterState) => TokenMeterState };
}

function manifestDir(): string {
  // Run from local-model/ (ts-jest) or compiled into dist-tools/local-model/.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'runtime'), join(here, '../../local-model/runtime')]) {
    if (existsSync(join(candidate, 'package-lock.json'))) return candidate;
  }
  throw new Error(`local-model/runtime/package-lock.json not found from ${here}`);
}

/** Installs node-llama-cpp into `cacheDir` when missing or when its lock changed; returns its folder. */
export function ensureLlamaCpp(
  cacheDir = resolve('.cache/node-llama-cpp'),
  log: (line: string) => void = () => undefined,
) {
  const source = manifestDir();
  const lock = readFileSync(join(source, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = join(cacheDir, '.installed-lock');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return cacheDir;
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(join(source, 'package.json'), join(cacheDir, 'package.json'));
  copyFileSync(join(source, 'package-lock.json'), join(cacheDir, 'package-lock.json'));
  log(`Installing node-llama-cpp (prebuilt llama.cpp binaries, about 700 MB, once) into ${cacheDir}`);
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: cacheDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(stamp, digest);
  return cacheDir;
}

let loaded: Promise<LlamaCpp> | undefined;

/** node-llama-cpp's module, installed first when needed. */
export function loadLlamaCpp(log?: (line: string) => void): Promise<LlamaCpp> {
  loaded ??= (async () => {
    const root = join(ensureLlamaCpp(undefined, log), 'node_modules', 'node-llama-cpp');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: { '.': { import: string } };
    };
    return (await import(pathToFileURL(join(root, manifest.exports['.'].import)).href)) as LlamaCpp;
  })();
  return loaded;
}
