import type { CooldownState } from '../providers/resilience.js';
import type { Capability, ModelKind, ModelRole, Pricing, Specialties } from '../config/catalogue-entry.js';
import type { ModelOverrides } from './model.schema.js';

/** A catalogue model with the admin's overrides applied: what services, DTOs and limits all read. */
export interface CatalogueItem {
  id: string;
  provider: string;
  model: string;
  name: string;
  origin: 'curated' | 'providers_file';
  kind: ModelKind;
  enabled: boolean;
  priority: number;
  specialties: Specialties;
  qualityPrior: number;
  roles: ModelRole[];
  capabilities: Capability[];
  contextWindow: number | null;
  maxOutputTokens: number | null;
  pricing: Pricing | null;
  pricingNote: string | null;
  overridden: (keyof ModelOverrides)[];
}

export const UNAVAILABLE_REASONS = ['provider_not_configured', 'not_on_server', 'disabled', 'cooling_down'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** Whether a model can be called now, and why not. */
export interface Availability {
  available: boolean;
  unavailableReason: UnavailableReason | null;
  cooldown: CooldownState;
}
