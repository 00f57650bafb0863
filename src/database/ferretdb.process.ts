import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FerretDbStartOptions {
  binary: string;
  /** Folder for the SQLite files; created when missing. */
  dataDir: string;
  /** Loopback port; 0 (the default) lets the system pick a free one. */
  port?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Receives FerretDB's own log lines (stderr). */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const PID_FILE = 'ferretdb.pid';

/** Whether `pid` is a live FerretDB (a zombie left by a killed parent does not count). */
function runningFerretDb(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const state = /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ferretdb');
  } catch {
    return true;
  }
}

/**
 * One FerretDB child process on loopback. It exits by itself when this Node process dies
 * (its standard input closes), so a crash of the server leaves no orphan behind.
 */
export class FerretDbProcess {
  readonly exited: Promise<ExitStatus>;
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly uri: string,
    readonly port: number,
    private readonly pidFile: string,
  ) {
    this.exited = new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        done({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => done({ code, signal }));
      }
    });
    void this.exited.then(() => rmSync(this.pidFile, { force: true }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once stop() was called: an exit after that is expected. */
  get isStopping(): boolean {
    return this.stopping;
  }

  static async start(options: FerretDbStartOptions): Promise<FerretDbProcess> {
    mkdirSync(options.dataDir, { recursive: true });
    const pidFile = join(options.dataDir, PID_FILE);
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && runningFerretDb(pid)) {
        throw new Error(
          `The data folder ${options.dataDir} is in use by another FerretDB process (pid ${pid}). ` +
            'Stop the server that owns it, or choose another DATA_DIR.',
        );
      }
    }

    const child = spawn(
      options.binary,
      [
        `--listen-addr=127.0.0.1:${options.port ?? 0}`,
        // _txlock=immediate: a write transaction takes SQLite's write lock when it begins, so a busy
        // database makes it wait (busy_timeout, 10 s in FerretDB) instead of failing at once with
        // SQLITE_BUSY when a deferred transaction tries to upgrade its read lock under load.
        `--sqlite-url=file:${options.dataDir.endsWith('/') ? options.dataDir : `${options.dataDir}/`}?_txlock=immediate`,
        `--log-level=${options.logLevel ?? 'warn'}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    if (child.pid !== undefined) writeFileSync(pidFile, String(child.pid));

    const onLog = options.onLog ?? (() => undefined);
    let stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = `${stderrTail}${chunk}`.slice(-2000);
      for (const line of chunk.split('\n')) if (line.trim()) onLog(line);
    });
    // Keep our end of stdin open: when this process dies, the pipe closes and FerretDB exits.
    child.stdin?.on('error', () => undefined);

    const uri = await new Promise<string>((done, fail) => {
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`FerretDB did not start within ${options.startTimeoutMs ?? 30000} ms: ${stderrTail}`));
      }, options.startTimeoutMs ?? 30000);
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /listening (mongodb:\/\/\S+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          done(match[1]);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(new Error(`FerretDB could not be started (${options.binary}): ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`FerretDB exited at start (code ${code}, signal ${signal}): ${stderrTail.trim()}`));
      });
    });
    child.stdout?.resume();
    const port = Number(new URL(uri).port);
    return new FerretDbProcess(child, uri, port, pidFile);
  }

  /** Stops FerretDB: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const status = await this.exited;
      clearTimeout(timer);
      return status;
    }
    return this.exited;
  }

  /** Kills FerretDB at once, as a crash would (tests use it to take the database away). */
  kill(): Promise<ExitStatus> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
