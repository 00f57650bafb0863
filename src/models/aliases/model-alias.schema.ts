import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** An admin's name for a model (`fast` → `openai/gpt-5.4-mini`), read by the /v1 gateway. */
@Schema({ collection: 'model_aliases', timestamps: true, versionKey: false })
export class ModelAlias {
  /** The alias itself: a name without a slash, so it never hides a catalogue id. */
  @Prop({ type: String })
  _id: string;

  /** A catalogue id or `orchestratex/<strategy>`. */
  @Prop({ required: true })
  modelId: string;

  createdAt: Date;
  updatedAt: Date;
}

export const ModelAliasSchema = SchemaFactory.createForClass(ModelAlias);
