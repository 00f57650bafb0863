import { tracing } from './common/tracing.js';
import type { AppConfig } from './config/app-config.js';

/**
 * Starts OpenTelemetry's Node SDK when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT
 * or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); otherwise nothing is loaded. The SDK reads the standard
 * variables itself: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the resource),
 * OTEL_TRACES_SAMPLER and _ARG (the sampler), OTEL_BSP_* (the batch), OTEL_EXPORTER_OTLP_* (the
 * exporter). Returns the way to flush and stop, or null when tracing is off.
 */
export async function startTracing(config: AppConfig['tracing']): Promise<(() => Promise<void>) | null> {
  if (!config.enabled) return null;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // Ours unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise.
  const resource = resources
    .resourceFromAttributes({ 'service.name': 'orchestratex' })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The global provider, the AsyncLocalStorage context manager and the W3C propagators.
  provider.register();
  tracing.enabled = true;
  tracing.captureContent = config.captureContent;
  return () => provider.shutdown();
}
