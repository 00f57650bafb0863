import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatorProviderEnvironment } from '../../src/config/providers.config.js';
import { ADMIN_KEY } from './app.js';

/** Jest runs from the repository root. */
const ROOT = process.cwd();

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Debian's redis-server (the test command installs it) on a free port, nothing saved to disk. */
export class RedisProcess {
  private constructor(
    private child: ChildProcess,
    private readonly dir: string,
    private readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisProcess> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'orx-redis-'));
    const redis = new RedisProcess(RedisProcess.spawn(port, dir), dir, port);
    await redis.answering();
    return redis;
  }

  private static spawn(port: number, dir: string): ChildProcess {
    return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
      stdio: 'ignore',
    });
  }

  private async answering(): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      const pong = spawnSync('redis-cli', ['-p', String(this.port), 'ping'])
        .stdout?.toString()
        .trim();
      if (pong === 'PONG') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redis-server did not start');
  }

  /** SIGKILL, as a crash: its data is gone (nothing is saved). */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again, empty, on the same port. */
  async restart(): Promise<void> {
    this.child = RedisProcess.spawn(this.port, this.dir);
    await this.answering();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The environment of a cluster's processes as the cluster specs run them: the six providers on a
 * simulator, one database, one Redis, the test admin key, quiet logs, short job locks.
 */
export function clusterEnvironment(simUrl: string, mongodbUri: string, redisUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...simulatorProviderEnvironment(simUrl),
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    MAX_RUNS_PER_KEY: '100',
    RUN_LOCK_MS: '2000',
    HOST: '127.0.0.1',
  };
}

/** One process of the built app (`dist/`): an API instance or a run worker, with its output kept. */
export class NodeProcess {
  readonly output: string[] = [];
  private exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number | null,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async api(env: NodeJS.ProcessEnv): Promise<NodeProcess> {
    const port = await freePort();
    const p = new NodeProcess(spawnNode('dist/main.js', { ...env, PORT: String(port) }), port);
    await p.ready(`http://127.0.0.1:${port}/health/ready`);
    return p;
  }

  static async worker(env: NodeJS.ProcessEnv): Promise<NodeProcess> {
    const port = await freePort();
    const p = new NodeProcess(spawnNode('dist/worker.js', { ...env, WORKER_PORT: String(port) }), port);
    await p.ready(`http://127.0.0.1:${port}/health`);
    return p;
  }

  /** `node <args>` of the built app in `cwd`, not waited for: read its output with `printed`. */
  static launch(args: string[], env: NodeJS.ProcessEnv, cwd: string): NodeProcess {
    const child = spawn(
      process.execPath,
      args.map((a) => (a.startsWith('dist/') ? join(ROOT, a) : a)),
      {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new NodeProcess(child, null);
  }

  /** The output once it matches `pattern` (or the process ended: the caller's expectation then fails with it). */
  async printed(pattern: RegExp): Promise<string> {
    for (let i = 0; i < 600; i += 1) {
      const text = this.output.join('');
      if (pattern.test(text) || this.child.exitCode !== null) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${String(pattern)} not printed:\n${this.output.join('').slice(-3000)}`);
  }

  /** The exit code, once the process has exited. */
  async exitCode(): Promise<number | null> {
    await this.exited;
    return this.child.exitCode;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async ready(url: string): Promise<void> {
    for (let i = 0; i < 300; i += 1) {
      if (this.child.exitCode !== null) break;
      if (
        await fetch(url).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${url} did not come up:\n${this.output.join('').slice(-3000)}`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

function spawnNode(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds `dist/` (the processes a cluster spec starts run the built app, as `npm start` does). */
export function buildDist(): void {
  const result = spawnSync('npx', ['nest', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nest build failed:\n${result.stdout}${result.stderr}`);
}
