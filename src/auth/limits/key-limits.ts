import type { CatalogueItem } from '../../models/catalogue-item.js';
import { costBound, type CostBound } from '../../models/cost-bound.js';
import type { CompletionRequest, RelayRequest } from '../../providers/provider.types.js';
import type { UnpricedKind } from './unpriced-items.js';

/** What an admin may set on a key (each null: no limit). */
export interface KeyLimits {
  /** Catalogue ids or patterns (`*` stands for any characters: `openai/*`, `*-mini`); null: every model. */
  models: string[] | null;
  /**
   * MCP tools the key's runs may use: a server id (all its tools), `server/tool`, or patterns with
   * `*` (`docs/*`, `*search*`); null: every registered tool.
   */
  tools: string[] | null;
  usdPerDay: number | null;
  usdPerMonth: number | null;
  usdTotal: number | null;
  /** Requests per minute: each `/v1` request that reaches a model, each run started, each model test. */
  rpm: number | null;
  /** Tokens (input and output) per minute over every call of the key, run steps included. */
  tpm: number | null;
  /**
   * What a key with a budget may send that the provider bills beyond tokens (files by id or URL,
   * hosted tools: `file`, `web_search`, `code_interpreter`…), each with the USD held per use.
   */
  unpriced: Partial<Record<UnpricedKind, number>> | null;
  /**
   * The /v1 response cache for the key's chat completions without a cache header: each answer kept
   * `maxAgeSeconds`; `shared`, one cache for every owner's keys that share it (an admin's choice).
   */
  cache: { maxAgeSeconds: number; shared?: boolean; semanticThreshold?: number } | null;
}

export const NO_LIMITS: KeyLimits = {
  models: null,
  tools: null,
  usdPerDay: null,
  usdPerMonth: null,
  usdTotal: null,
  rpm: null,
  tpm: null,
  unpriced: null,
  cache: null,
};

export const BUDGETS = ['usdPerDay', 'usdPerMonth', 'usdTotal'] as const;
export type KeyBudget = (typeof BUDGETS)[number];
export type LimitName = KeyBudget | 'rpm' | 'tpm' | 'models' | 'tools' | 'unpriced';

export const hasBudget = (limits: KeyLimits) => BUDGETS.some((b) => limits[b] !== null);

const patternCache = new Map<string, RegExp>();
function patternOf(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`,
    );
    if (patternCache.size < 10_000) patternCache.set(pattern, re);
  }
  return re;
}

/** Whether the key may call this catalogue model. */
export function modelAllowed(limits: KeyLimits | null, modelId: string): boolean {
  if (limits === null || limits.models === null) return true;
  return limits.models.some((p) => (p.includes('*') ? patternOf(p).test(modelId) : p === modelId));
}

/** Whether the key may call `tool` of MCP server `server` (a server id alone allows all its tools). */
export function toolAllowed(limits: KeyLimits | null, server: string, tool: string): boolean {
  if (limits === null || limits.tools === null || limits.tools === undefined) return true;
  const name = `${server}/${tool}`;
  return limits.tools.some((p) => p === server || (p.includes('*') ? patternOf(p).test(name) : p === name));
}

/** An image counts for at most this many input tokens (OpenAI's high-detail and Anthropic's largest are below it). */
const IMAGE_TOKENS = 3_000;
const IMAGE_PART = /"type":\s*"(?:image_url|image|input_image)"/g;
/** The most a call may use and cost: what a key's limits hold before it is made. */
export type CallBound = CostBound;

/**
 * An upper bound of a call (`costBound`) whatever tokenizer its provider uses: every byte of the
 * request's JSON counted as a token (a BPE token is one byte or more), images at their largest,
 * the output at the ceiling asked (`max_tokens`, `max_completion_tokens` or `max_output_tokens`),
 * over every model that may answer it. Files and hosted tools the provider bills beyond tokens
 * are not in it (see unpriced-items.ts).
 */
export function callBound(items: CatalogueItem[], request: CompletionRequest): CallBound {
  if (request.kind === 'chat') {
    const json = JSON.stringify(request.messages);
    return costBound(items, Buffer.byteLength(json), request.maxTokens);
  }
  const body = clientBody(request);
  const json = JSON.stringify(body);
  const input = Buffer.byteLength(json) + (json.match(IMAGE_PART)?.length ?? 0) * IMAGE_TOKENS;
  const asked = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  return costBound(items, input, typeof asked === 'number' ? asked : null);
}

/** A relayed request's body as the client sent it (or its Anthropic translation: either holds what it asks for). */
export function clientBody(request: RelayRequest): Record<string, unknown> {
  return request.bodies.anthropic ?? request.bodies.openai ?? {};
}

/** A day's and a month's bucket (UTC) and when each ends. */
export function windowsOf(now: number): { day: string; month: string; dayEndsAt: number; monthEndsAt: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    day: d.toISOString().slice(0, 10),
    month: d.toISOString().slice(0, 7),
    dayEndsAt: Date.UTC(y, m, d.getUTCDate() + 1),
    monthEndsAt: Date.UTC(y, m + 1, 1),
  };
}
