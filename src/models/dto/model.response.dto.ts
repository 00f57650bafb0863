import { ApiProperty } from '@nestjs/swagger';
import type { Domain } from '../../common/domains.js';
import {
  CAPABILITIES,
  MODEL_KINDS,
  MODEL_ROLES,
  type Capability,
  type ModelKind,
  type ModelRole,
} from '../../config/catalogue-entry.js';
import {
  UNAVAILABLE_REASONS,
  type Availability,
  type CatalogueItem,
  type UnavailableReason,
} from '../catalogue-item.js';

export class SpecialtiesDto {
  coding: number;
  math: number;
  creative: number;
  analysis: number;
  reasoning: number;
  translation: number;
  factual: number;
  general: number;
}

export class PriceTierDto {
  /** These rates apply to the whole call once its input exceeds this many tokens. */
  aboveInputTokens: number;
  inputPerMTok: number;
  outputPerMTok: number;
  @ApiProperty({ type: Number, nullable: true })
  cachedInputPerMTok: number | null;
}

/** USD per million tokens. */
export class PricingDto {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Null: cached input is billed as ordinary input. */
  @ApiProperty({ type: Number, nullable: true })
  cachedInputPerMTok: number | null;
  /** Long-context rates, if any. */
  tiers: PriceTierDto[];
  /** Where the figures come from. */
  source: string;
}

/** `not_on_server`: a self-hosted server (Ollama) does not list the model: pull it there first. */

export class ModelResponseDto {
  /** Catalogue id, `<provider>/<model>`; URL-encode the slash in paths (`openai%2Fgpt-5.4-mini`). */
  id: string;
  provider: string;
  /** The id the provider's API expects. */
  model: string;
  name: string;
  /** `curated`: our catalogue; `providers_file`: added by PROVIDERS_FILE. */
  @ApiProperty({ enum: ['curated', 'providers_file'] })
  origin: 'curated' | 'providers_file';
  /** `chat`: answers prompts and takes part in runs; `embedding`: serves only POST /v1/embeddings. */
  @ApiProperty({ enum: MODEL_KINDS })
  kind: ModelKind;
  enabled: boolean;
  /** Higher goes first among equals. */
  priority: number;
  /** Strength per domain, 0 to 1. */
  specialties: SpecialtiesDto;
  /** Prior belief in its answer quality, 0 to 1. */
  qualityPrior: number;
  @ApiProperty({ enum: MODEL_ROLES, isArray: true })
  roles: ModelRole[];
  @ApiProperty({ enum: CAPABILITIES, isArray: true })
  capabilities: Capability[];
  @ApiProperty({ type: Number, nullable: true })
  contextWindow: number | null;
  @ApiProperty({ type: Number, nullable: true })
  maxOutputTokens: number | null;
  /** Null: the price is unknown, and calls are recorded with an unknown cost (never $0). */
  @ApiProperty({ type: PricingDto, nullable: true })
  pricing: PricingDto | null;
  /** Why the price is unknown. */
  @ApiProperty({ type: String, nullable: true })
  pricingNote: string | null;
  /** Its provider is configured, it is enabled, and it is not cooling down. */
  available: boolean;
  @ApiProperty({ enum: UNAVAILABLE_REASONS, nullable: true })
  unavailableReason: UnavailableReason | null;
  /** The circuit breaker: `open` while cooling down after repeated failures, `half_open` while probed. */
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] })
  cooldown: 'closed' | 'open' | 'half_open';
  /** Fields an admin has changed from the catalogue's values. */
  overridden: string[];
  /** Its strength in the `domain` asked for, when one was. */
  @ApiProperty({ required: false })
  domainStrength?: number;
}

export function toModelResponse(item: CatalogueItem, availability: Availability, domain?: Domain): ModelResponseDto {
  return {
    id: item.id,
    provider: item.provider,
    model: item.model,
    name: item.name,
    origin: item.origin,
    kind: item.kind,
    enabled: item.enabled,
    priority: item.priority,
    specialties: { ...item.specialties },
    qualityPrior: item.qualityPrior,
    roles: [...item.roles],
    capabilities: [...item.capabilities],
    contextWindow: item.contextWindow,
    maxOutputTokens: item.maxOutputTokens,
    pricing: item.pricing && {
      inputPerMTok: item.pricing.inputPerMTok,
      outputPerMTok: item.pricing.outputPerMTok,
      cachedInputPerMTok: item.pricing.cachedInputPerMTok,
      tiers: item.pricing.tiers.map((t) => ({ ...t })),
      source: item.pricing.source,
    },
    pricingNote: item.pricingNote,
    available: availability.available,
    unavailableReason: availability.unavailableReason,
    cooldown: availability.cooldown,
    overridden: [...item.overridden].sort(),
    ...(domain === undefined ? {} : { domainStrength: item.specialties[domain] }),
  };
}
