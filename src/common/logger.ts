import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { currentLogContext } from './log-context.js';
import { currentTraceId, tracing } from './tracing.js';
import { redactSecrets } from './secrets.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
/** `pretty`: one readable line per entry (a terminal); `json`: one JSON object per line (a collector). */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Nest's start-up chatter (every module loaded, every route mapped): at debug, not info. */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController']);

/** Paths whose values never reach a log line: API keys and provider keys. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.key',
  '*.apiKey',
  '*.api_key',
  '*.ADMIN_API_KEY',
  '*.OPENAI_API_KEY',
  '*.ANTHROPIC_API_KEY',
  '*.XAI_API_KEY',
  '*.DASHSCOPE_API_KEY',
  '*.MISTRAL_API_KEY',
  '*.LLAMA_API_KEY',
  '*.OPENROUTER_API_KEY',
];

/**
 * The one logger of a process. Every line carries the request, run and trace it is about where
 * known (see log-context.ts); `pretty` writes readable lines, colourised on a terminal.
 */
export function createLogger(
  level: LogLevel,
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): PinoLogger {
  const out =
    format === 'pretty'
      ? pretty({
          destination: destination ?? 1,
          colorize: destination === undefined && process.stdout.isTTY,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service,context,req,res,responseTime,requestId,runId,traceId',
          messageFormat:
            '{if context}[{context}] {end}{if req.method}{req.method} {req.url} {end}{if res.statusCode}{res.statusCode} {end}{msg}{if runId} (run {runId}){end}{if requestId} (request {requestId}){end}{if traceId} (trace {traceId}){end}',
          singleLine: true,
          sync: true,
        })
      : destination;
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'orchestratex' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // What the line is about; fields a child logger carries already (a request's) are not repeated.
      mixin: (_object, _level, self) => {
        const traceId = tracing.enabled ? currentTraceId() : null;
        const context = { ...currentLogContext(), ...(traceId === null ? {} : { traceId }) };
        const bound = (self as PinoLogger).bindings();
        return Object.fromEntries(Object.entries(context).filter(([field]) => !(field in bound)));
      },
      // The last guard: no line carries a provider key or a credential, whoever wrote the text.
      hooks: {
        logMethod(args: unknown[], method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    out,
  );
}

/** Nest's logger interface on top of pino, so framework and app logs share one stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: PinoLogger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string' ? params[params.length - 1] : undefined;
    const text =
      typeof message === 'string'
        ? message
        : message instanceof Error
          ? (message.stack ?? message.message)
          : JSON.stringify(message);
    this.pino[level]({ context }, text);
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    this.write(typeof context === 'string' && START_UP_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack, context); keep the stack in the line.
    const [stack, ...rest] = params;
    const text = typeof stack === 'string' && stack.includes('\n') ? `${String(message)}\n${stack}` : message;
    this.write('error', text, typeof stack === 'string' && stack.includes('\n') ? rest : params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
}
