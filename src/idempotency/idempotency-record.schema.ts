import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One Idempotency-Key of one owner: the request it was first used for, the ids that request gives
 * what it creates, and, once it has answered with a 2xx, that answer. Read by `_id` only.
 */
@Schema({ collection: 'idempotency_keys', versionKey: false })
export class IdempotencyRecord {
  /** sha256(ownerId, key): the only filter this collection is read with. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  ownerId: string;

  /** Method and path the key was first used on. */
  @Prop({ required: true })
  route: string;

  /** sha256 of the method, path, query and body, keys sorted: "the same request". */
  @Prop({ required: true })
  fingerprint: string;

  @Prop({ type: [String], required: true })
  ids: string[];

  @Prop({ required: true, enum: ['pending', 'done'] })
  state: 'pending' | 'done';

  @Prop({ type: Number, default: null })
  status: number | null;

  @Prop({ type: String, default: null })
  contentType: string | null;

  /** The answer's body as sent (a string, so its keys need not suit the database). */
  @Prop({ type: String, default: null })
  body: string | null;

  @Prop({ required: true })
  createdAt: Date;

  /** 24 h after createdAt; removed hourly after that. */
  @Prop({ required: true })
  expiresAt: Date;
}

export const IdempotencyRecordSchema = SchemaFactory.createForClass(IdempotencyRecord);
