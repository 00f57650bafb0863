import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * Traces through the OpenTelemetry API. Without an OTLP endpoint configured the SDK is never
 * loaded (see tracing-sdk.ts) and this API hands out spans that record nothing; the HTTP hooks are
 * not even installed.
 */
export const tracing = {
  /** True once the SDK is started: spans are recorded and exported. */
  enabled: false,
  /** Prompts and answers on spans: only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. */
  captureContent: false,
};

export const tracer = () => trace.getTracer('orchestratex');
export { SpanKind, SpanStatusCode, type Attributes, type Span };

/** The trace the code running now belongs to, or null (tracing off, or no span). */
export function currentTraceId(): string | null {
  const span = trace.getActiveSpan()?.spanContext();
  return span !== undefined && trace.isSpanContextValid(span) ? span.traceId : null;
}

/** The current trace context as W3C `traceparent` (to store or send on), or null when there is none. */
export function currentTraceparent(): string | null {
  if (currentTraceId() === null) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** A trace context from W3C headers (a client's, or a stored `traceparent`); the root context without. */
export function traceContextOf(headers: Record<string, unknown>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Runs `fn` in `span` (its children hang under it). */
export function inSpanContext<T>(span: Span, fn: () => T, parent: Context = context.active()): T {
  return context.with(trace.setSpan(parent, span), fn);
}

/** What `withSpan` hands out while tracing is off: a span that records nothing, made once. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in a new span that ends when `fn` settles; a throw is recorded on it as an error. The
 * span is a child of `parent`, by default the span running now. While tracing is off `fn` runs at
 * once with a span that records nothing (no span, context or attributes made: this is on the path
 * of every model call); `attributes` may be given as a function for the same reason.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes | (() => Attributes),
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  if (!tracing.enabled) return fn(NOT_RECORDING);
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: typeof attributes === 'function' ? attributes() : attributes,
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
    throw error;
  } finally {
    span.end();
  }
}

/** An event on the span running now (an attempt that failed, a fallback, a cooldown). */
export function spanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
