import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { ModelAlias } from './model-alias.schema.js';

/** The only code that touches the model_aliases collection (shared by every key: no owner scope). */
@Injectable()
export class ModelAliasesRepository {
  constructor(@InjectModel(ModelAlias.name) private readonly aliases: Model<ModelAlias>) {}

  all(): Promise<ModelAlias[]> {
    return this.aliases.find().sort({ _id: 1 }).lean<ModelAlias[]>().exec();
  }

  byId(alias: string): Promise<ModelAlias | null> {
    return this.aliases.findById(alias).lean<ModelAlias>().exec();
  }

  /** Sets the alias (made or changed in one write of its document) and returns it as stored. */
  async set(alias: string, modelId: string): Promise<ModelAlias> {
    return await this.aliases
      .findByIdAndUpdate(
        alias,
        { $set: { modelId } },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
      )
      .lean<ModelAlias>()
      .exec();
  }

  async remove(alias: string): Promise<boolean> {
    return (await this.aliases.deleteOne({ _id: alias }).exec()).deletedCount === 1;
  }
}
