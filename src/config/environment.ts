import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../common/logger.js';
import type { CatalogueEntry } from './catalogue-entry.js';
import { readMcpServersFile, type McpServerSettings } from './mcp-servers-file.js';
import { readProvidersFile } from './providers-file.js';
import { readProviders, type ProviderSettings } from './providers.config.js';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const OPTIONAL = true;

/** An integer variable from `min` to `max` (its text read as a number first); unset allowed when `optional`. */
function IntegerBetween(min: number, max: number, optional = false): PropertyDecorator {
  // Applied in the order the stacked decorators `@Transform @IsOptional @IsInt @Min @Max` were.
  const decorators = [Max(max), Min(min), IsInt(), ...(optional ? [IsOptional()] : []), Transform(toInt)];
  return (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
}

/**
 * Every environment variable the server reads, with its rule. `.env.example` and the table of
 * docs/configuration.md list the same variables.
 */
export class Environment {
  @IntegerBetween(1, 65535)
  PORT = 8001;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters long' })
  ADMIN_API_KEY?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** `pretty` (readable lines) or `json`; unset: pretty on a terminal, JSON otherwise. */
  @IsOptional()
  @IsIn(LOG_FORMATS)
  LOG_FORMAT?: LogFormat;

  @IsString()
  CORS_ORIGINS = '';

  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (auth throttling): empty or
   * `false`, none; `true`, every hop; a number, that many hops; else addresses and CIDRs, comma-separated.
   */
  @IsOptional()
  @Matches(/^(true|false|\d{1,2}|[\w:./]+(\s*,\s*[\w:./]+)*)$/, {
    message:
      'TRUST_PROXY must be true, false, a number of hops, or addresses/CIDRs separated by commas (loopback, linklocal, uniquelocal allowed)',
  })
  TRUST_PROXY?: string;

  @IntegerBetween(1024, 64 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @IntegerBetween(1, 10_000_000)
  MESSAGE_MAX_CHARS = 100_000;

  /** `true`: image and file URLs at loopback, link-local and private addresses are sent to providers too (a self-hosted one that fetches them on your network). */
  @IsIn(['true', 'false'])
  ALLOW_PRIVATE_URLS: 'true' | 'false' = 'false';

  /** The most a client may take to send a request's headers and body (a slow or trickling client is cut off). */
  @IntegerBetween(1000, 600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  @IsOptional()
  @IsString()
  FERRETDB_BIN?: string;

  /**
   * Providers that are the upstream simulator (the demo's and the tests'): only their evaluations
   * may say they are simulated (a hash, not a judgement); comma-separated provider ids.
   */
  @IsOptional()
  @Matches(/^[\w.-]+(\s*,\s*[\w.-]+)*$/, { message: 'SIMULATED_PROVIDERS must be provider ids separated by commas' })
  SIMULATED_PROVIDERS?: string;

  /** Redis for the distributed mode (several API instances, run workers); unset: one process, no Redis. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** With REDIS_URL: whether `npm start` also executes runs (false: API only, workers run them). */
  @IsIn(['true', 'false'])
  RUN_JOBS: 'true' | 'false' = 'true';

  /** Runs one process executes at once (distributed mode). */
  @IntegerBetween(1, 1000)
  WORKER_CONCURRENCY = 8;

  /** `npm run worker`: the port of its /health and /metrics (none when unset). */
  @IntegerBetween(1, 65_535, OPTIONAL)
  WORKER_PORT?: number;

  /** How long a run job's lock lasts without renewal: a dead worker's runs are taken over after about this long. */
  @IntegerBetween(1000, 600_000)
  RUN_LOCK_MS = 5000;

  /** This process's name among the writers of sharded counters (distributed mode); default host:pid. */
  @IsOptional()
  @Matches(/^[\w.:-]{1,64}$/, {
    message: 'WRITER_ID must be 1-64 letters, digits, dots, colons, dashes or underscores',
  })
  WRITER_ID?: string;

  /** Orchestration runs one API key may have going at once (429 beyond). */
  @IntegerBetween(1, 1000)
  MAX_RUNS_PER_KEY = 4;

  /** Model calls in flight across all runs; a new run is refused with 429 while the bound is reached. */
  @IntegerBetween(1, 10_000)
  MAX_INFLIGHT_CALLS = 32;

  /** The longest `?wait=true` holds a request before answering with the run as it stands. */
  @IntegerBetween(1000, 600_000)
  ORCHESTRATE_WAIT_MS = 120_000;

  /**
   * The longest a non-streamed `orchestratex/*` call through /v1 holds its connection for its run;
   * past it the run is cancelled and the client gets a 504 naming it.
   */
  @IntegerBetween(1000, 3_600_000)
  GATEWAY_RUN_TIMEOUT_MS = 600_000;

  /** The longest one MCP tool call may take; past it the model is told the tool timed out. */
  @IntegerBetween(100, 600_000)
  MCP_TOOL_TIMEOUT_MS = 30_000;

  /** The most characters of one tool result a model is shown (the rest is cut, and the cut is said). */
  @IntegerBetween(100, 1_000_000)
  MCP_RESULT_MAX_CHARS = 20_000;

  /** Output ceiling of each model call when neither the request nor the session sets one. */
  @IntegerBetween(16, 200_000)
  DEFAULT_MAX_TOKENS = 1024;

  /** Usage records are written in batches of this many… */
  @IntegerBetween(1, 100_000)
  USAGE_FLUSH_SIZE = 500;

  /** …or at least this often (ms). */
  @IntegerBetween(50, 600_000)
  USAGE_FLUSH_INTERVAL_MS = 1000;

  /** Records held while the database refuses writes; beyond, the oldest are dropped and counted. */
  @IntegerBetween(100, 10_000_000)
  USAGE_BUFFER_MAX = 100_000;

  /** Raw usage records older than this are removed (hourly); rollups stay. */
  @IntegerBetween(1, 3650)
  USAGE_RETENTION_DAYS = 90;

  /** Daily rollups (analytics) of days older than this are removed (hourly); a key's spend is kept. */
  @IntegerBetween(1, 36_500)
  ROLLUP_RETENTION_DAYS = 730;

  /** Serve analytics from an in-memory copy of the rollups (one writer process); false: from the database. */
  @IsIn(['true', 'false'])
  ANALYTICS_CACHE: 'true' | 'false' = 'true';

  /** OpenTelemetry's OTLP/HTTP endpoint: set (this or the traces one), tracing is on. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** true: prompts and answers on model-call spans (the GenAI instrumentations' own switch). */
  @IsOptional()
  @IsIn(['true', 'false'])
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?: 'true' | 'false';

  /** The gateway's response cache in one process (without REDIS_URL): its bound in bytes (characters). */
  @IntegerBetween(0, 4 * 1024 * 1024 * 1024)
  RESPONSE_CACHE_MAX_BYTES = 64 * 1024 * 1024;

  /**
   * The embedding model of the catalogue the response cache's semantic mode compares prompts with
   * (`x-orchestratex-cache: max-age=N, semantic=0.9`); unset, the semantic mode is refused.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  RESPONSE_CACHE_EMBEDDING_MODEL?: string;

  /**
   * `/v1` chat streams: `client` sends the usage chunk when the client asks (`stream_options:
   * {include_usage: true}`, as OpenAI does); `always` sends it to every streaming client.
   */
  @IsIn(['client', 'always'])
  STREAM_USAGE: 'client' | 'always' = 'client';

  /** The /orchestration Socket.IO namespace; false: an instance that serves HTTP only. */
  @IsIn(['true', 'false'])
  SOCKET_IO: 'true' | 'false' = 'true';

  /** GET /metrics (Prometheus); readable with an admin key or METRICS_TOKEN. */
  @IsIn(['true', 'false'])
  METRICS_ENABLED: 'true' | 'false' = 'true';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  /** A JSON file adding OpenAI-compatible endpoints and models to the catalogue. */
  @IsOptional()
  @IsString()
  PROVIDERS_FILE?: string;

  /** A JSON file of MCP servers the operator runs (stdio commands) or reaches (Streamable HTTP): docs/mcp.md. */
  @IsOptional()
  @IsString()
  MCP_SERVERS_FILE?: string;

  /**
   * Database connections (operations in flight at once); more wait in the driver's queue. Default:
   * 8 for the embedded FerretDB (it scans a collection per query, and many at once share the CPU
   * until none finishes), the driver's 100 for a MONGODB_URI.
   */
  @IntegerBetween(1, 1000, OPTIONAL)
  DB_MAX_POOL_SIZE?: number;

  /** Failed authentications one client address may make per AUTH_FAILURE_WINDOW_MS before 429. */
  @IntegerBetween(1, 1_000_000)
  AUTH_FAILURE_LIMIT = 20;

  @IntegerBetween(1000, 86_400_000)
  AUTH_FAILURE_WINDOW_MS = 60_000;

  /** Per-attempt provider timeout: before the first token and between tokens. */
  @IntegerBetween(100, 600_000)
  PROVIDER_TIMEOUT_MS = 60_000;

  /** The whole of one model call (every retry, fallback and the answer's stream included). */
  @IntegerBetween(1000, 3_600_000)
  PROVIDER_DEADLINE_MS = 120_000;

  @IntegerBetween(0, 10)
  PROVIDER_MAX_RETRIES = 2;

  @IntegerBetween(1, 100)
  PROVIDER_COOLDOWN_FAILURES = 3;

  @IntegerBetween(100, 3_600_000)
  PROVIDER_COOLDOWN_MS = 30_000;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type ParsedEnvironment = Environment & {
  providers: ProviderSettings[];
  extraModels: CatalogueEntry[];
  mcpServers: McpServerSettings[];
};

/** The variables that have a value: `NAME=` (as `.env.example` writes them) means unset, not empty. */
function setVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/**
 * Validates the environment (and the providers file it names); throws a ConfigError naming every
 * bad variable. A variable set to an empty value counts as unset.
 */
export function parseEnvironment(given: NodeJS.ProcessEnv): ParsedEnvironment {
  const env = setVariables(given);
  const known = Object.keys(new Environment());
  const input: Record<string, unknown> = {};
  for (const name of [
    ...known,
    'MONGODB_URI',
    'ADMIN_API_KEY',
    'FERRETDB_BIN',
    'PROVIDERS_FILE',
    'MCP_SERVERS_FILE',
    'METRICS_TOKEN',
    'DB_MAX_POOL_SIZE',
    'REDIS_URL',
    'WORKER_PORT',
    'WRITER_ID',
  ]) {
    if (env[name] !== undefined) input[name] = env[name];
  }
  const parsed = plainToInstance(Environment, input);
  const errors = validateSync(parsed, { whitelist: true });
  const { providers, problems } = readProviders(env);
  const file = parsed.PROVIDERS_FILE ? readProvidersFile(parsed.PROVIDERS_FILE, env) : undefined;
  problems.push(...(file?.problems ?? []));
  const mcp = parsed.MCP_SERVERS_FILE ? readMcpServersFile(parsed.MCP_SERVERS_FILE) : undefined;
  problems.push(...(mcp?.problems ?? []));
  if (parsed.REDIS_URL !== undefined && parsed.MONGODB_URI === undefined) {
    problems.push(
      'REDIS_URL (the distributed mode) needs MONGODB_URI: every process uses the same database, not an embedded one each',
    );
  }
  if (errors.length > 0 || problems.length > 0) {
    throw new ConfigError([
      ...errors.map((e) => {
        const value =
          e.property.endsWith('_KEY') || e.property.endsWith('_TOKEN') || e.property === 'REDIS_URL'
            ? '(hidden)'
            : JSON.stringify(input[e.property]);
        return `${e.property}=${value}: ${Object.values(e.constraints ?? {}).join('; ')}`;
      }),
      ...problems,
    ]);
  }
  return Object.assign(parsed, {
    providers: [...providers, ...(file?.providers ?? [])],
    extraModels: file?.models ?? [],
    mcpServers: mcp?.servers ?? [],
  });
}
