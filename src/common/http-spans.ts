import type { FastifyInstance } from 'fastify';
import { inSpanContext, SpanKind, SpanStatusCode, traceContextOf, tracer, tracing } from './tracing.js';

/** The paths whose requests are traced: the API and the gateway (not assets, docs or health probes). */
const TRACED = /^\/(api|v1|mcp)(\/|$)/;

/**
 * One server span per HTTP request to /api, /v1 and /mcp, a child of the client's `traceparent`
 * when it sends one; the handler runs inside it (a run started there is its child) and the
 * response names its trace in `x-trace-id`. Installed only when tracing is on.
 */
export function traceHttpRequests(fastify: FastifyInstance): void {
  if (!tracing.enabled) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    if (!TRACED.test(path)) return done();
    const parent = traceContextOf(request.headers);
    const route = request.routeOptions.url ?? path;
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': path,
          'orchestratex.request_id': request.id,
        },
      },
      parent,
    );

    void reply.header('x-trace-id', span.spanContext().traceId);
    // Ended when the response is done, streamed (SSE, hijacked) ones too.
    reply.raw.once('close', () => {
      span.setAttribute('http.response.status_code', reply.raw.statusCode);
      if (reply.raw.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    inSpanContext(span, done, parent);
  });
}
