import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogueEntry } from './catalogue-entry.js';
import type { LogFormat, LogLevel } from '../common/logger.js';
import { ConfigError, Environment, parseEnvironment } from './environment.js';
import proxyAddr from '@fastify/proxy-addr';
import { registerSecrets } from '../common/secrets.js';
import type { ProviderSettings } from './providers.config.js';
import type { McpServerSettings } from './mcp-servers-file.js';

/** The repository root (this file is src/config/app-config.ts, or dist/config/app-config.js when built). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The typed, validated configuration. Code reads settings from here, never from process.env. */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  readonly adminApiKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly corsOrigins: string[];
  /** REQUEST_TIMEOUT_MS: the most a client may take to send a request (headers: at most 10 s of it). */
  readonly requestTimeoutMs: number;
  /** ALLOW_PRIVATE_URLS: image and file URLs at private addresses may go to providers. */
  readonly allowPrivateUrls: boolean;
  /** TRUST_PROXY: whose `X-Forwarded-For` gives the client address (false: none; a number: hops). */
  readonly trustProxy: boolean | number | string[];
  readonly bodyLimitBytes: number;
  readonly messageMaxChars: number;
  readonly ferretdbBin: string | undefined;
  /** Database connections at once: DB_MAX_POOL_SIZE, or 8 on the embedded FerretDB, 100 on a MONGODB_URI. */
  readonly dbMaxPoolSize: number;
  readonly projectRoot = PROJECT_ROOT;
  readonly providers: ProviderSettings[];
  /** SIMULATED_PROVIDERS: the providers that are the upstream simulator (configuration decides what is simulated). */
  readonly simulatedProviders: ReadonlySet<string>;
  /** Models the providers file adds to the curated catalogue. */
  readonly extraModels: CatalogueEntry[];
  /** MCP_SERVERS_FILE's servers, and how long a tool call may take and how much of its result a model sees. */
  readonly mcp: { servers: McpServerSettings[]; toolTimeoutMs: number; resultMaxChars: number };
  readonly providerTimeoutMs: number;
  readonly orchestration: {
    maxRunsPerKey: number;
    maxInflightCalls: number;
    waitMs: number;
    /** GATEWAY_RUN_TIMEOUT_MS: a non-streamed orchestratex/* call's longest wait for its run. */
    gatewayRunTimeoutMs: number;
    defaultMaxTokens: number;
  };
  readonly usage: {
    batchSize: number;
    flushIntervalMs: number;
    maxBuffered: number;
    retentionDays: number;
    rollupRetentionDays: number;
  };
  readonly metrics: { enabled: boolean; token: string | undefined };
  readonly analyticsCache: boolean;
  /** The /orchestration Socket.IO namespace is served (SOCKET_IO). */
  readonly socketIo: boolean;
  /** STREAM_USAGE=always: every streamed /v1 chat answer ends with its usage chunk, asked for or not. */
  readonly streamUsageAlways: boolean;
  /** RESPONSE_CACHE_MAX_BYTES: the in-process response cache's bound (REDIS_URL: Redis holds it). */
  readonly responseCacheMaxBytes: number;
  /** RESPONSE_CACHE_EMBEDDING_MODEL: the embedding model of the cache's semantic mode (null: no semantic mode). */
  readonly responseCacheEmbeddingModel: string | null;
  /**
   * Traces: on when an OTLP endpoint is set; prompts on spans only when asked. The SDK reads the
   * other OTEL_* variables (service name, sampler, exporter headers) itself.
   */
  readonly tracing: { enabled: boolean; captureContent: boolean };
  /** Failed authentications per client address and window before 429. */
  readonly authFailures: { limit: number; windowMs: number };
  /**
   * The distributed mode (REDIS_URL set): runs are BullMQ jobs, events and signals go through Redis.
   * Null: one process, no Redis.
   */
  readonly cluster: {
    redisUrl: string;
    runJobs: boolean;
    concurrency: number;
    workerPort: number | undefined;
    lockMs: number;
  } | null;
  /** What this process is: the API server (`npm start`) or a run worker (`npm run worker`). */
  readonly processRole: 'api' | 'worker';
  /** This process among the writers of sharded counters: `local` in one process, WRITER_ID or host:pid in a cluster. */
  readonly writerId: string;
  /** The resilience layer's settings (the rest of its options are fixed in providers/resilience.ts). */
  readonly resilience: { maxRetries: number; cooldownFailures: number; cooldownMs: number; deadlineMs: number };

  constructor(
    env: Environment & {
      providers?: ProviderSettings[];
      extraModels?: CatalogueEntry[];
      mcpServers?: McpServerSettings[];
    },
    processRole: 'api' | 'worker' = 'api',
  ) {
    this.processRole = processRole;
    this.port = env.PORT;
    this.host = env.HOST;
    this.mongodbUri = env.MONGODB_URI;
    this.dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(process.cwd(), env.DATA_DIR);
    this.adminApiKey = env.ADMIN_API_KEY;
    this.logLevel = env.LOG_LEVEL;
    this.logFormat = env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
    this.trustProxy = readTrustProxy(env.TRUST_PROXY);
    this.requestTimeoutMs = env.REQUEST_TIMEOUT_MS;
    this.allowPrivateUrls = env.ALLOW_PRIVATE_URLS === 'true';
    this.corsOrigins = env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES;
    this.messageMaxChars = env.MESSAGE_MAX_CHARS;
    this.ferretdbBin = env.FERRETDB_BIN;
    this.dbMaxPoolSize = env.DB_MAX_POOL_SIZE ?? (env.MONGODB_URI === undefined ? 8 : 100);
    this.providers = env.providers ?? [];
    this.simulatedProviders = readSimulated(env.SIMULATED_PROVIDERS, this.providers);
    // Provider keys (and the admin key) are taken out of every upstream error text and log line.
    registerSecrets([env.ADMIN_API_KEY, ...this.providers.map((p) => p.apiKey)]);
    this.extraModels = env.extraModels ?? [];
    this.mcp = {
      servers: env.mcpServers ?? [],
      toolTimeoutMs: env.MCP_TOOL_TIMEOUT_MS,
      resultMaxChars: env.MCP_RESULT_MAX_CHARS,
    };
    this.providerTimeoutMs = env.PROVIDER_TIMEOUT_MS;
    this.orchestration = {
      maxRunsPerKey: env.MAX_RUNS_PER_KEY,
      maxInflightCalls: env.MAX_INFLIGHT_CALLS,
      waitMs: env.ORCHESTRATE_WAIT_MS,
      gatewayRunTimeoutMs: env.GATEWAY_RUN_TIMEOUT_MS,
      defaultMaxTokens: env.DEFAULT_MAX_TOKENS,
    };
    this.usage = {
      batchSize: env.USAGE_FLUSH_SIZE,
      flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS,
      maxBuffered: env.USAGE_BUFFER_MAX,
      retentionDays: env.USAGE_RETENTION_DAYS,
      rollupRetentionDays: env.ROLLUP_RETENTION_DAYS,
    };
    this.metrics = { enabled: env.METRICS_ENABLED === 'true', token: env.METRICS_TOKEN };
    this.analyticsCache = env.ANALYTICS_CACHE === 'true';
    this.socketIo = env.SOCKET_IO === 'true';
    this.streamUsageAlways = env.STREAM_USAGE === 'always';
    this.responseCacheMaxBytes = env.RESPONSE_CACHE_MAX_BYTES;
    this.responseCacheEmbeddingModel = env.RESPONSE_CACHE_EMBEDDING_MODEL ?? null;
    this.tracing = {
      enabled: env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined,
      captureContent: env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === 'true',
    };
    this.authFailures = { limit: env.AUTH_FAILURE_LIMIT, windowMs: env.AUTH_FAILURE_WINDOW_MS };
    this.cluster =
      env.REDIS_URL === undefined
        ? null
        : {
            redisUrl: env.REDIS_URL,
            runJobs: env.RUN_JOBS === 'true',
            concurrency: env.WORKER_CONCURRENCY,
            workerPort: env.WORKER_PORT,
            lockMs: env.RUN_LOCK_MS,
          };
    this.writerId = this.cluster === null ? 'local' : (env.WRITER_ID ?? `${hostname()}:${process.pid}`);
    this.resilience = {
      maxRetries: env.PROVIDER_MAX_RETRIES,
      cooldownFailures: env.PROVIDER_COOLDOWN_FAILURES,
      cooldownMs: env.PROVIDER_COOLDOWN_MS,
      deadlineMs: env.PROVIDER_DEADLINE_MS,
    };
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(parseEnvironment(env));
  }

  /** `npm run worker`: the same environment; a worker always executes runs (RUN_JOBS does not apply). */
  static forWorker(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(parseEnvironment({ ...env, RUN_JOBS: 'true' }), 'worker');
  }
}

/** TRUST_PROXY as Fastify's `trustProxy` takes it; an address or CIDR that is not one stops the start. */
function readTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    throw new ConfigError([
      `TRUST_PROXY=${JSON.stringify(value)}: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  return entries;
}

/** SIMULATED_PROVIDERS as a set of provider ids; an id no provider has stops the start. */
function readSimulated(value: string | undefined, providers: ProviderSettings[]): ReadonlySet<string> {
  const ids = (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const unknown = ids.filter((id) => !providers.some((p) => p.id === id));
  if (unknown.length > 0 && providers.length > 0) {
    throw new ConfigError([`SIMULATED_PROVIDERS: ${unknown.join(', ')} is not a provider id`]);
  }
  return new Set(ids);
}
