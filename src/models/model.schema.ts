import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import {
  MODEL_KINDS,
  type Capability,
  type ModelKind,
  type ModelRole,
  type Pricing,
  type Specialties,
} from '../config/catalogue-entry.js';

/** What an admin changed (PATCH /api/models/:id); it wins over the catalogue and survives reseeding. */
export interface ModelOverrides {
  enabled?: boolean;
  priority?: number;
  specialties?: Partial<Specialties>;
  qualityPrior?: number;
  roles?: ModelRole[];
  pricing?: Pricing;
}

/**
 * One model of the catalogue. The seed fields are rewritten from the curated file, the providers
 * file and the price packages at every start; `overrides` is never touched by seeding.
 */
@Schema({ collection: 'models', timestamps: true, versionKey: false })
export class CatalogueModel {
  /** The catalogue id, `<provider>/<model>`. */
  @Prop({ type: String })
  _id: string;

  @Prop({ required: true })
  provider: string;

  /** The id the provider's API expects. */
  @Prop({ required: true })
  model: string;

  @Prop({ required: true })
  name: string;

  @Prop({ required: true, enum: ['curated', 'providers_file'] })
  origin: 'curated' | 'providers_file';

  /** Embedding models serve only POST /v1/embeddings; runs never use them. */
  @Prop({ type: String, enum: MODEL_KINDS, default: 'chat' })
  kind: ModelKind;

  @Prop({ type: Object, required: true })
  specialties: Specialties;

  @Prop({ required: true, min: 0, max: 1 })
  qualityPrior: number;

  @Prop({ type: [String], default: [] })
  roles: ModelRole[];

  @Prop({ type: [String], default: [] })
  capabilities: Capability[];

  /** Null: no catalogue package or file knows the price. */
  @Prop({ type: Object, default: null })
  pricing: Pricing | null;

  /** Why the price is unknown. */
  @Prop({ type: String, default: null })
  pricingNote: string | null;

  @Prop({ type: Number, default: null })
  contextWindow: number | null;

  @Prop({ type: Number, default: null })
  maxOutputTokens: number | null;

  /** No longer in the curated file or the providers file: kept (with its overrides), never offered. */
  @Prop({ default: false })
  retired: boolean;

  @Prop({ type: Object, default: {} })
  overrides: ModelOverrides;

  createdAt: Date;
  updatedAt: Date;
}

export const CatalogueModelSchema = SchemaFactory.createForClass(CatalogueModel);
