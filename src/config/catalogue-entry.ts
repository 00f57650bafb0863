import type { Domain } from '../common/domains.js';

/** The parts a model can play in an orchestration. */
export const MODEL_ROLES = ['primary', 'evaluator', 'critic', 'aggregator'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** What a model can do beyond plain chat (every catalogue model streams). */
/**
 * `structured_output`: the provider enforces a JSON schema on the answer (OpenAI-compatible
 * `response_format: json_schema`); evaluations and reviews then ask for theirs.
 */
export const CAPABILITIES = [
  'json_output',
  'structured_output',
  'reasoning',
  'vision',
  'tool_calls',
  'long_context',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** `chat` models answer prompts (and take part in runs); `embedding` models only serve POST /v1/embeddings. */
export const MODEL_KINDS = ['chat', 'embedding'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Strength per domain, 0 (useless) to 1 (best there is). */
export type Specialties = Record<Domain, number>;

/** Prices above a number of input tokens (long-context pricing): the whole call is billed at these rates. */
export interface PriceTier {
  aboveInputTokens: number;
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok: number | null;
}

/** USD per million tokens. A null `cachedInputPerMTok` means cached input is billed as input. */
export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok: number | null;
  tiers: PriceTier[];
  /** Where the figures come from: a catalogue package and its version, the providers file, an admin. */
  source: string;
}

/** Where to look up a model's prices and limits. */
export interface PriceReference {
  catalogue: 'genai-prices' | 'models.dev';
  /** The provider id in that catalogue (genai-prices `x-ai`, models.dev `llama`…). */
  provider: string;
  /** The model id in that catalogue when it differs from the upstream id. */
  model?: string;
}

/** One model as the curated file or the providers file describes it, before prices are looked up. */
export interface CatalogueEntry {
  provider: string;
  /** The id the provider's API expects. */
  model: string;
  name: string;
  /** Default `chat`. */
  kind?: ModelKind;
  specialties: Specialties;
  /** Our prior belief in the model's overall answer quality, 0 to 1; analytics refines it. */
  qualityPrior: number;
  roles: ModelRole[];
  capabilities: Capability[];
  /** Look the prices up here… */
  prices?: PriceReference;
  /** …or take these (providers file; self-hosted models at 0). */
  pricing?: Omit<Pricing, 'source' | 'tiers'> & { tiers?: PriceTier[]; source?: string };
  contextWindow?: number;
  maxOutputTokens?: number;
  /** Where the entry comes from: the curated file or the providers file. */
  origin: 'curated' | 'providers_file';
}

/** A catalogue id: `<provider>/<model>`, e.g. `anthropic/claude-sonnet-5`. */
export function catalogueId(entry: Pick<CatalogueEntry, 'provider' | 'model'>): string {
  return `${entry.provider}/${entry.model}`;
}
