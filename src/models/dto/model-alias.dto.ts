import { IsString, Matches, MaxLength } from 'class-validator';
import type { ModelAlias } from '../aliases/model-alias.schema.js';

/** What an alias stands for. */
export class SetModelAliasDto {
  /** A catalogue id (`openai/gpt-5.4-mini`) or `orchestratex/<strategy>`. */
  @IsString()
  @MaxLength(200)
  @Matches(/^[\w.:@-]+\/\S+$/, {
    message: 'modelId must be a catalogue id (provider/model) or orchestratex/<strategy>',
  })
  modelId: string;
}

export class ModelAliasDto {
  /** The name clients send as `model` on /v1. */
  alias: string;
  /** The catalogue id or `orchestratex/<strategy>` it stands for. */
  modelId: string;
  createdAt: string;
  updatedAt: string;
}

export const toModelAlias = (record: ModelAlias): ModelAliasDto => ({
  alias: record._id,
  modelId: record.modelId,
  createdAt: record.createdAt.toISOString(),
  updatedAt: record.updatedAt.toISOString(),
});
