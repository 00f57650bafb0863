import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';
import { redactSecrets } from './secrets.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): PinoLogger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'orchestratex' },
      timestamp: pino.stdTimeFunctions.isoTime,
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
    destination,
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
    this.write('info', message, params);
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
