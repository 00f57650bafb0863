import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { KeyLimits } from './limits/key-limits.js';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An API key, stored only as its SHA-256 hash and a short prefix for display. */
@Schema({ collection: 'api_keys', timestamps: { createdAt: true, updatedAt: false }, versionKey: false })
export class ApiKey {
  _id: Types.ObjectId;

  @Prop({ required: true })
  name: string;

  @Prop({ required: true, enum: ROLES })
  role: Role;

  /** Whose data the key reaches; several keys may share an owner (rotation). */
  @Prop({ required: true })
  ownerId: string;

  @Prop({ required: true })
  prefix: string;

  @Prop({ required: true })
  hash: string;

  @Prop({ type: Date, default: null })
  revokedAt: Date | null;

  @Prop({ type: Date, default: null })
  lastUsedAt: Date | null;

  /** Models, spend and rates the key is held to; null: none (limits.ts). */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  limits: KeyLimits | null;

  createdAt: Date;
}

export const ApiKeySchema = SchemaFactory.createForClass(ApiKey);
// Authentication looks a key up by its hash.
ApiKeySchema.index({ hash: 1 }, { unique: true });
// The admin listing pages through keys newest first.
ApiKeySchema.index({ ownerId: 1, _id: -1 });
