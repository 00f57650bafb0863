import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster.js';

/** A span as Jaeger's query API returns it. */
export interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string; traceID: string }[];
  tags: { key: string; value: unknown }[];
  logs: { fields: { key: string; value: unknown }[] }[];
  processID: string;
}

/** The binary scripts/ensure-jaeger.sh built (npm test's pretest runs it). */
function binary(): string {
  const dir = join(process.cwd(), '.cache/jaeger');
  const built = readdirSync(dir).find((name) => /^jaeger-v[\d.]+$/.test(name));
  if (built === undefined) throw new Error('Jaeger is not built: run scripts/ensure-jaeger.sh');
  return join(dir, built);
}

/**
 * Jaeger v2 on free ports, in memory: an OTLP HTTP receiver for the server's spans and the query
 * API to read them back, as an operator's Jaeger would.
 */
export class Jaeger {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly otlpUrl: string,
    private readonly queryUrl: string,
    readonly output: string[],
  ) {}

  static async start(): Promise<Jaeger> {
    const [otlp, query, grpc] = [await freePort(), await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'orx-jaeger-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${grpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
    );
    const output: string[] = [];
    const child = spawn(binary(), ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const jaeger = new Jaeger(child, dir, `http://127.0.0.1:${otlp}`, `http://127.0.0.1:${query}`, output);
    for (let i = 0; i < 300; i += 1) {
      if (child.exitCode !== null) break;
      const up = await fetch(`${jaeger.queryUrl}/api/services`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return jaeger;
      await new Promise((r) => setTimeout(r, 100));
    }
    await jaeger.stop();
    throw new Error(`Jaeger did not start:\n${output.join('').slice(-3000)}`);
  }

  /**
   * The spans of a trace once `ready` accepts them (a count, or a test of the spans: the SDKs
   * export in batches, each process on its own); what it holds at the deadline otherwise.
   */
  async spans(traceId: string, ready: number | ((spans: JaegerSpan[]) => boolean), ms = 15_000): Promise<JaegerSpan[]> {
    const done = typeof ready === 'number' ? (spans: JaegerSpan[]) => spans.length >= ready : ready;
    const deadline = Date.now() + ms;
    let spans: JaegerSpan[] = [];
    while (Date.now() < deadline) {
      const response = await fetch(`${this.queryUrl}/api/traces/${traceId}`);
      if (response.ok) {
        const body = (await response.json()) as { data?: { spans: JaegerSpan[] }[] };
        spans = body.data?.[0]?.spans ?? [];
        if (done(spans)) return spans;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return spans;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A span's tag value. */
export const tagOf = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;
/** A span's parent's id (its CHILD_OF reference), or undefined for a root span. */
export const parentOf = (span: JaegerSpan): string | undefined =>
  span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
