import { tracing, type Attributes } from '../common/tracing.js';
import type { CompletionRequest } from '../providers/provider.types.js';
import type { CallOutcome } from '../providers/providers.service.js';
import type { CatalogueItem } from './catalogue-item.js';

/** `gen_ai.provider.name` as the OpenTelemetry GenAI conventions spell the providers they name. */
const GEN_AI_PROVIDERS: Record<string, string> = { xai: 'x_ai', mistral: 'mistral_ai' };

/** The GenAI operation of a request: `chat` (Chat Completions, Messages, Responses) or `embeddings`. */
export function operationOf(request: CompletionRequest): string {
  return request.kind === 'relay' && request.endpoint === 'embeddings' ? 'embeddings' : 'chat';
}

/** A model call span's attributes before the call (OpenTelemetry GenAI semantic conventions). */
export function requestAttributes(item: CatalogueItem, request: CompletionRequest): Attributes {
  const body = request.kind === 'relay' ? (request.bodies.openai ?? request.bodies.anthropic ?? {}) : null;
  const maxTokens =
    request.kind === 'chat'
      ? request.maxTokens
      : (body?.max_completion_tokens ?? body?.max_tokens ?? body?.max_output_tokens);
  const temperature = request.kind === 'chat' ? request.temperature : body?.temperature;
  return {
    'gen_ai.operation.name': operationOf(request),
    'gen_ai.provider.name': GEN_AI_PROVIDERS[item.provider] ?? item.provider,
    'gen_ai.request.model': item.model,
    'orchestratex.model_id': item.id,
    ...(typeof maxTokens === 'number' && { 'gen_ai.request.max_tokens': maxTokens }),
    ...(typeof temperature === 'number' && { 'gen_ai.request.temperature': temperature }),
    // Prompts only when the operator asked for them (the GenAI instrumentations' own switch).
    ...(tracing.captureContent && {
      'gen_ai.input.messages': JSON.stringify(request.kind === 'chat' ? request.messages : body),
    }),
  };
}

/** What the call gave: the model that answered, tokens, the finish reason, the error class. */
export function responseAttributes(answering: CatalogueItem, call: CallOutcome): Attributes {
  return {
    'gen_ai.response.model': answering.model,
    'orchestratex.attempts': call.attempts,
    ...(call.usage !== null && {
      'gen_ai.usage.input_tokens': call.usage.inputTokens,
      'gen_ai.usage.output_tokens': call.usage.outputTokens,
    }),
    ...(call.finishReason !== null && { 'gen_ai.response.finish_reasons': [call.finishReason] }),
    ...(call.error !== null && { 'error.type': call.error.errorClass }),
    ...(tracing.captureContent && call.text !== '' && { 'gen_ai.output.messages': call.text }),
  };
}
