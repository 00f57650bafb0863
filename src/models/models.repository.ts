import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isDuplicateKey } from '../common/id-source.js';
import mongoose, { Model } from 'mongoose';
import { CatalogueModel, type ModelOverrides } from './model.schema.js';

export type CatalogueRecord = CatalogueModel;
export type SeedFields = Omit<CatalogueModel, 'overrides' | 'retired' | 'createdAt' | 'updatedAt'>;

/**
 * The only code that touches the models collection. The catalogue is shared by every key, so
 * unlike the other repositories this one has no owner scope.
 */
@Injectable()
export class ModelsRepository {
  constructor(@InjectModel(CatalogueModel.name) private readonly models: Model<CatalogueModel>) {}

  /** Writes the seed fields of every entry (keeping overrides) and retires what is no longer seeded. */
  async seed(entries: SeedFields[]): Promise<void> {
    // Processes starting together on an empty database seed at once: an upsert that meets the
    // other's insert is a duplicate key (FerretDB and MongoDB alike); the next try updates it.
    for (let attempt = 1; entries.length > 0; attempt += 1) {
      try {
        await this.models.bulkWrite(
          entries.map(({ _id, ...fields }) => ({
            updateOne: {
              filter: { _id },
              update: { $set: { ...fields, retired: false }, $setOnInsert: { overrides: {} } },
              upsert: true,
            },
          })),
          { ordered: false },
        );
        break;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
      }
    }
    await this.models.updateMany(
      { _id: mongoose.trusted({ $nin: entries.map((e) => e._id) }), retired: false },
      { $set: { retired: true } },
    );
  }

  findAll(): Promise<CatalogueRecord[]> {
    return this.models.find({ retired: false }).sort({ _id: 1 }).lean<CatalogueRecord[]>().exec();
  }

  findById(id: string): Promise<CatalogueRecord | null> {
    return this.models.findOne({ _id: id, retired: false }).lean<CatalogueRecord>().exec();
  }

  /** Replaces the admin overrides as a whole (the portable subset has no $unset); returns the model. */
  replaceOverrides(id: string, overrides: ModelOverrides): Promise<CatalogueRecord | null> {
    return this.models
      .findOneAndUpdate({ _id: id, retired: false }, { $set: { overrides } }, { returnDocument: 'after' })
      .lean<CatalogueRecord>()
      .exec();
  }
}
