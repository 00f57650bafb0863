import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { STRATEGIES, type Strategy } from '../common/strategies.js';

export const SESSION_STATUSES = ['active', 'completed', 'terminated'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const DEFAULT_SETTINGS = {
  maxIterations: 3,
  qualityThreshold: 8,
  costLimitUsd: null,
  preferredModels: [],
  excludedModels: [],
  defaultStrategy: 'improve',
} as const;

@Schema({ _id: false, versionKey: false })
export class SessionSettings {
  @Prop({ required: true, min: 1, max: 10 })
  maxIterations: number;

  @Prop({ required: true, min: 0, max: 10 })
  qualityThreshold: number;

  @Prop({ type: Number, default: null })
  costLimitUsd: number | null;

  @Prop({ type: [String], default: [] })
  preferredModels: string[];

  @Prop({ type: [String], default: [] })
  excludedModels: string[];

  @Prop({ required: true, enum: STRATEGIES })
  defaultStrategy: Strategy;
}
const SessionSettingsSchema = SchemaFactory.createForClass(SessionSettings);

@Schema({ collection: 'sessions', timestamps: true, versionKey: false })
export class Session {
  _id: Types.ObjectId;

  @Prop({ required: true })
  ownerId: string;

  @Prop({ required: true })
  title: string;

  /** The calling application's own end-user id. */
  @Prop({ type: String, default: null })
  userId: string | null;

  @Prop({ required: true, enum: SESSION_STATUSES, default: 'active' })
  status: SessionStatus;

  @Prop({ type: SessionSettingsSchema, required: true })
  settings: SessionSettings;

  @Prop({ required: true, default: 0 })
  totalCostUsd: number;

  @Prop({ required: true })
  lastActivityAt: Date;

  @Prop({ type: Date, default: null })
  endedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export const SessionSchema = SchemaFactory.createForClass(Session);
// Listing a key's sessions newest first, optionally by status or by the app's userId.
SessionSchema.index({ ownerId: 1, _id: -1 });
SessionSchema.index({ ownerId: 1, status: 1, _id: -1 });
SessionSchema.index({ ownerId: 1, userId: 1, _id: -1 });

/**
 * What one run cost its session: `_id` is `<sessionId>|<runId>`, written by the process that ends
 * the run. No document has two writers (FerretDB loses concurrent updates) and writing it again is
 * harmless; a session's total is its own field (older data) plus the sum of these.
 */
@Schema({ collection: 'session_costs', versionKey: false })
export class SessionCost {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  sessionId: string;

  @Prop({ required: true, default: 0 })
  costUsd: number;
}

export const SessionCostSchema = SchemaFactory.createForClass(SessionCost);
SessionCostSchema.index({ sessionId: 1 });
