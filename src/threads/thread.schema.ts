import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { DOMAINS, type Domain } from '../common/domains.js';

@Schema({ collection: 'threads', timestamps: true, versionKey: false })
export class Thread {
  _id: Types.ObjectId;

  @Prop({ required: true })
  ownerId: string;

  @Prop({ type: Types.ObjectId, required: true })
  sessionId: Types.ObjectId;

  @Prop({ required: true })
  title: string;

  @Prop({ type: String, enum: DOMAINS, default: null })
  domain: Domain | null;

  @Prop({ required: true, default: 0 })
  messageCount: number;

  @Prop({ type: Date, default: null })
  lastMessageAt: Date | null;

  /** The newest message: the parent of the next one posted without `parentId`. */
  @Prop({ type: Types.ObjectId, default: null })
  lastMessageId: Types.ObjectId | null;

  createdAt: Date;
  updatedAt: Date;
}

export const ThreadSchema = SchemaFactory.createForClass(Thread);
// Listing threads newest first, all of an owner's or one session's.
ThreadSchema.index({ ownerId: 1, _id: -1 });
ThreadSchema.index({ ownerId: 1, sessionId: 1, _id: -1 });
