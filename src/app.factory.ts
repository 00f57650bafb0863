import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { trustOf } from './auth/client-address.js';
import { GatewayRoutes } from './openai-compat/gateway-routes.js';
import { McpEndpoint } from './mcp/endpoint/mcp-endpoint.js';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type pino from 'pino';
import { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MetricsService } from './analytics/metrics.service.js';
import { AppModule } from './app.module.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { AllowedMethods, parseJsonBody } from './common/http-hardening.js';
import { traceHttpRequests } from './common/http-spans.js';
import { lazyChildLogger } from './common/lazy-child-logger.js';
import { withLogContext } from './common/log-context.js';
import { createLogger, PinoNestLogger } from './common/logger.js';
import { strictenDocument } from './common/openapi-strict.js';
import { enrichDocument } from './openapi/enrich.js';
import { createValidationPipe } from './common/validation-pipe.js';
import { AppConfig } from './config/app-config.js';
import { serveConsole } from './console/console-site.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node looks for clients past their request or headers timeout. */
const TIMEOUT_CHECK_MS = 1000;

/**
 * Socket.IO on the same HTTP server, with the HTTP API's CORS origins. Its in-memory adapter is
 * enough in a cluster too: each instance's gateway emits, to its own sockets, what its event bus
 * hears; a dropped connection is recovered by the instance that held it (sticky sessions).
 */
class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: NestFastifyApplication,
    private readonly corsOrigins: string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const configured: Partial<ServerOptions> = { ...options };
    if (this.corsOrigins.length > 0) {
      configured.cors = { origin: this.corsOrigins.includes('*') ? true : this.corsOrigins };
    }
    return super.createIOServer(port, configured as ServerOptions);
  }
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OrchestrateX')
    .setDescription(
      'Orchestrates several large language models as one team. Authenticate with an API key: ' +
        '`Authorization: Bearer <key>` or `x-api-key: <key>`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'orx_ API key', description: 'An OrchestrateX API key (orx_…)' },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('x-api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  // Routes marked @Public() (health checks) need no key: say so instead of showing a lock.
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/health') && item.get !== undefined) item.get.security = [];
  }
  return enrichDocument(strictenDocument(document));
}

/** Creates the application exactly as it runs in production; tests use the same function. */
export async function createApp(
  config: AppConfig,
  logDestination?: pino.DestinationStream,
): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, logDestination, config.logFormat);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustOf(config.trustProxy),
    // A client that trickles its headers or body is cut off (Fastify turns Node's own limit off).
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  // Before Nest adds its routes: the onRoute hook must see every one of them.
  const allowedMethods = new AllowedMethods(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, {
    logger: new PinoNestLogger(logger),
    // Throw start-up errors to the caller (main.ts prints them) instead of exiting here.
    abortOnError: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimitBytes }, parseJsonBody);
  app.get(IdempotencyService).attach(fastify);
  // The /v1 gateway: plain Fastify routes, outside Nest's pipeline.
  app.get(GatewayRoutes).register(fastify);
  // /mcp: the strategies as MCP tools (the SDK's Streamable HTTP transport), outside Nest's pipeline too.
  app.get(McpEndpoint).register(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    // Every line logged while the request is answered names it.
    withLogContext({ requestId: request.id }, done);
  });
  traceHttpRequests(fastify);
  allowedMethods.refuseOtherMethods(fastify);

  if (config.metrics.enabled) {
    const metrics = app.get(MetricsService);
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: false });
  }
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config.corsOrigins));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(config.bodyLimitBytes));
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'OrchestrateX API',
    swaggerOptions: { persistAuthorization: true },
  });
  await serveConsole(app);
  return app;
}
