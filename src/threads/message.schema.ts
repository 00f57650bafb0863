import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** One message of a thread; `parentId` links it to the message it answers (branches share parents). */
@Schema({ collection: 'messages', timestamps: { createdAt: true, updatedAt: false }, versionKey: false })
export class Message {
  _id: Types.ObjectId;

  @Prop({ required: true })
  ownerId: string;

  @Prop({ type: Types.ObjectId, required: true })
  threadId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  sessionId: Types.ObjectId;

  @Prop({ required: true, enum: MESSAGE_ROLES })
  role: MessageRole;

  @Prop({ required: true })
  content: string;

  @Prop({ type: Types.ObjectId, default: null })
  parentId: Types.ObjectId | null;

  // Provenance, set when an orchestration run writes the message.
  @Prop({ type: String, default: null })
  model: string | null;

  @Prop({ type: Types.ObjectId, default: null })
  runId: Types.ObjectId | null;

  @Prop({ type: Number, default: null })
  inputTokens: number | null;

  @Prop({ type: Number, default: null })
  outputTokens: number | null;

  @Prop({ type: Number, default: null })
  costUsd: number | null;

  @Prop({ type: Number, default: null })
  score: number | null;

  createdAt: Date;
}

export const MessageSchema = SchemaFactory.createForClass(Message);
// Paging through a thread oldest first; also the latest message (the default parent).
MessageSchema.index({ threadId: 1, _id: 1 });
