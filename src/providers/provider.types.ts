import type { WireProtocol } from '../config/providers.config.js';
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A JSON schema for a structured answer, named as OpenAI's `json_schema` response format wants. */
export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

export interface CompletionRequest {
  /** The model id as the provider knows it (no provider prefix). */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /**
   * Ask for a JSON object answer: `true` any object (JSON mode), a schema that object's shape
   * where the provider enforces one (OpenAI-compatible `response_format: json_schema`; the
   * Anthropic adapter asks for JSON in the system prompt either way).
   */
  json?: boolean | JsonSchemaFormat;
  /**
   * `false`: ask for the whole answer in one response (no server-sent events) and hear its events
   * at once when it arrives; cheaper when nobody watches the text grow. Streams by default.
   */
  stream?: boolean;
  /**
   * The gateway's path: a request body in each wire protocol the call may meet (the client's own,
   * model id aside, and its translation), sent as it is by the adapter of that protocol, whose
   * answer comes back as `raw` events (with `usage` and `finish` read from them). The other fields
   * are then unused.
   */
  passthrough?: Partial<Record<WireProtocol, Record<string, unknown>>>;
  /**
   * The API the passthrough body is for: Chat Completions (default), embeddings or OpenAI's
   * Responses API (OpenAI-compatible only).
   */
  endpoint?: 'chat' | 'embeddings' | 'responses';
}

/** Token usage in one shape for every provider. */
export interface NormalizedUsage {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens: number;
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export type ProviderEvent =
  | { type: 'delta'; text: string }
  | { type: 'usage'; usage: NormalizedUsage }
  | { type: 'finish'; reason: FinishReason }
  /** The fast path: one server-sent event (`data: …`) of a stream, or a whole JSON answer, as the provider sent it. */
  | { type: 'raw'; data: string };

/** One wire protocol: every provider is reached through one of these. */
export interface ProviderAdapter {
  readonly protocol: WireProtocol;
  /** The answer as events (streamed unless `request.stream` is false); aborting `signal` closes the upstream request. */
  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<ProviderEvent>;
}

export interface CompletionResult {
  text: string;
  usage: NormalizedUsage | null;
  finishReason: FinishReason;
}
