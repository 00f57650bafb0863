import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { McpServerRecord } from './mcp-server.schema.js';

export type McpServerChange = Partial<Pick<McpServerRecord, 'name' | 'url' | 'headers' | 'enabled'>>;

/** The only code that touches the `mcp_servers` collection (servers admins added); looked up by `_id`. */
@Injectable()
export class McpServersRepository {
  constructor(@InjectModel(McpServerRecord.name) private readonly servers: Model<McpServerRecord>) {}

  findById(id: string): Promise<McpServerRecord | null> {
    return this.servers.findById(id).lean<McpServerRecord>().exec();
  }

  /** Every added server, by id (a handful: an admin adds them one by one). */
  findAll(): Promise<McpServerRecord[]> {
    return this.servers.find({}).sort({ _id: 1 }).lean<McpServerRecord[]>().exec();
  }

  /** Stores a new server; false when the id is taken. */
  async insert(record: Pick<McpServerRecord, '_id' | 'name' | 'url' | 'headers' | 'enabled'>): Promise<boolean> {
    try {
      await this.servers.create(record);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  update(id: string, change: McpServerChange): Promise<McpServerRecord | null> {
    return this.servers
      .findOneAndUpdate({ _id: id }, { $set: change }, { returnDocument: 'after' })
      .lean<McpServerRecord>()
      .exec();
  }

  async delete(id: string): Promise<boolean> {
    return (await this.servers.deleteOne({ _id: id }).exec()).deletedCount === 1;
  }
}
