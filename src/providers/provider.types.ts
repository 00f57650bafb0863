import type { WireProtocol } from '../config/providers.config.js';
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** On an assistant turn of a tool loop: the tools it called (`content` is the text beside them, often empty). */
  toolCalls?: ToolCall[];
}

/** A tool's result, answering one call of the assistant turn before it. */
export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
  /** The call failed: the model sees the text as an error. */
  isError: boolean;
}

/** What a chat the engine built holds: its messages, and in a tool loop the tools' results. */
export type ConversationMessage = ChatMessage | ToolResultMessage;

/** A tool a model may call: a function name, what it does and its arguments' JSON schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** One call a model made: the provider's call id, the tool's name, its arguments as JSON text. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A JSON schema for a structured answer, named as OpenAI's `json_schema` response format wants. */
export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

/**
 * A chat the engine built (a run's step, an admin's model test): messages in our one shape, which
 * each adapter writes in its wire protocol. The model is the target's (see `Target`).
 */
export interface ChatRequest {
  kind: 'chat';
  messages: ConversationMessage[];
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
  /** Tools the model may call; its calls come back as `tool_call` events (finish reason `tool_calls`). */
  tools?: ToolDefinition[];
  /** `none`: the model must answer in text although the conversation holds tool calls (a step's tool budget is spent). */
  toolChoice?: 'auto' | 'none';
}

/** The wire APIs the gateway relays: chat (Chat Completions or Messages), embeddings, OpenAI's Responses. */
export type RelayEndpoint = 'chat' | 'embeddings' | 'responses';

/**
 * The gateway's request: a client's body for one wire API, in each protocol the call may meet
 * (the client's own and its translation), sent as it is (the model id swapped) by the adapter of
 * that protocol; the answer comes back as `raw` events, with `usage` and `finish` read from them.
 */
export interface RelayRequest {
  kind: 'relay';
  endpoint: RelayEndpoint;
  bodies: Partial<Record<WireProtocol, Record<string, unknown>>>;
  /** Client headers the provider's API reads (Anthropic's `anthropic-version`, `anthropic-beta`), per protocol. */
  headers?: Partial<Record<WireProtocol, Record<string, string>>>;
}

/** What one model call sends: a chat the engine built, or a body the gateway relays. */
export type CompletionRequest = ChatRequest | RelayRequest;

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

/** One failed attempt of a call (a retry or a fallback followed it, or the call failed), as the request log shows it. */
export interface FailedAttempt {
  /** `provider/model` as the provider knows it. */
  target: string;
  attempt: number;
  errorClass: string;
  status: number | null;
  message: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export type ProviderEvent =
  | { type: 'delta'; text: string }
  | { type: 'usage'; usage: NormalizedUsage }
  | { type: 'finish'; reason: FinishReason }
  /** A whole tool call of a chat the engine built (its streamed pieces gathered by the adapter). */
  | { type: 'tool_call'; call: ToolCall }
  /** The fast path: one server-sent event (`data: …`) of a stream, or a whole JSON answer, as the provider sent it. */
  | { type: 'raw'; data: string };

/** One wire protocol: every provider is reached through one of these, one method per API. */
export interface ProviderAdapter {
  readonly protocol: WireProtocol;
  /**
   * A chat the engine built, as events (streamed unless `request.stream` is false); aborting
   * `signal` closes the upstream request. So for every method.
   */
  chat(model: string, request: ChatRequest, signal: AbortSignal): AsyncIterable<ProviderEvent>;
  /** A client's chat body in this protocol (Chat Completions or Messages), answered as `raw` events. */
  relayChat(
    model: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): AsyncIterable<ProviderEvent>;
  /** A client's embeddings body; absent where the protocol has no embeddings API. */
  embed?(model: string, body: Record<string, unknown>, signal: AbortSignal): AsyncIterable<ProviderEvent>;
  /** A Messages body's input tokens as the provider counts them; absent where the protocol cannot. */
  countTokens?(
    model: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<number>;
  /** A client's Responses API body; absent where the protocol has no Responses API. */
  respond?(model: string, body: Record<string, unknown>, signal: AbortSignal): AsyncIterable<ProviderEvent>;
}

export interface CompletionResult {
  text: string;
  usage: NormalizedUsage | null;
  finishReason: FinishReason;
}
