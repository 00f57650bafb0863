import type { Principal } from '../../auth/principal.js';
import type { ModelKind } from '../../config/catalogue-entry.js';
import type { CatalogueItem } from '../../models/catalogue-item.js';
import type { RelayEndpoint, RelayRequest } from '../../providers/provider.types.js';
import type { ChatRequest } from '../chat-request.js';
import type { McpResponsesPlan } from '../mcp-tool-request.js';
import type { OpenAiError } from '../openai-error.js';
import type { Wire } from '../upstream.js';
import type { SemanticAsk } from '../semantic-cache.js';

/** A gateway request as a dialect reads it: who sends it, its JSON body and its headers. */
export interface GatewayRequest {
  principal: Principal;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** The bodies to send a call's models, per wire protocol, and the upstream API they are for. */
export type RelayBodies = Partial<Record<Wire, Record<string, unknown>>> & { endpoint?: RelayEndpoint };

/**
 * One call of catalogue models as a dialect plans it, for the relay: which models, what to send
 * them in each protocol, and how their answer reads in the client's dialect. Made per request (its
 * translators keep the stream's state).
 */
export interface RelayPlan {
  /** The model and its fallbacks, in order. */
  ids: string[];
  /** The models' kind: chat (the default) or embedding. */
  kind?: ModelKind;
  stream: boolean;
  /** The bodies for the models chosen (their protocols among them). */
  bodies: (protocols: Set<string | undefined>, chosen: CatalogueItem[]) => RelayBodies;
  /** A provider event as the client's (each a `data: …` block). */
  event: (data: string, answering: CatalogueItem, protocol: string | undefined) => string[];
  /** A whole answer as the client's: JSON text, or an object. */
  whole: (data: string, answering: CatalogueItem, protocol: string | undefined) => string | Record<string, unknown>;
  /** The events that end a stream that failed after it began (none for an API that never streams). */
  streamError?: (error: OpenAiError) => string[];
  /** Client headers to pass on, per protocol. */
  headers?: RelayRequest['headers'];
  /** The response cache's key and age, when the client or its key asked for it. */
  cache?: CachePlan;
}

/** Where a request's answer is cached: its exact key and age, and its semantic lookup when asked for. */
export interface CachePlan {
  key: string;
  maxAgeMs: number;
  semantic?: SemanticAsk;
}

/** What a dialect makes of a request: a relayed call, an `orchestratex/*` run, or a Response with MCP tools. */
export type GatewayPlan = { relay: RelayPlan } | { run: ChatRequest; wire: Wire } | { mcp: McpResponsesPlan };
