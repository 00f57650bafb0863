import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';

export const AUDIT_ACTIONS = [
  'key.created',
  'key.updated',
  'key.revoked',
  'model.updated',
  'alias.set',
  'alias.deleted',
  'mcp_server.created',
  'mcp_server.updated',
  'mcp_server.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_TARGETS = ['key', 'model', 'alias', 'mcp_server'] as const;
export type AuditTarget = (typeof AUDIT_TARGETS)[number];

/** One admin action: who did what to which object, and the object before and after (never a secret). */
@Schema({ collection: 'audit', versionKey: false, minimize: false })
export class AuditEntry {
  _id: Types.ObjectId;
  @Prop({ required: true }) at: Date;
  /** The admin key that acted (`env-admin` for ADMIN_API_KEY). */
  @Prop({ required: true }) actorKeyId: string;
  @Prop({ required: true }) action: AuditAction;
  @Prop({ required: true }) targetType: AuditTarget;
  @Prop({ required: true }) targetId: string;
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) before: Record<string, unknown> | null;
  @Prop({ type: MongooseSchema.Types.Mixed, default: null }) after: Record<string, unknown> | null;
}
export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntry);
// Newest first, of one target (MongoDB; the embedded database scans).
AuditEntrySchema.index({ targetType: 1, targetId: 1, _id: -1 });
