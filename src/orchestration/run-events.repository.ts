import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { Model, Types } from 'mongoose';
import type { RunEvent } from './events/run-events.js';
import { RunEventRecord } from './run.schema.js';

/** The stored log of every run's events. */
@Injectable()
export class RunEventsRepository {
  constructor(@InjectModel(RunEventRecord.name) private readonly events: Model<RunEventRecord>) {}

  async insertMany(events: RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.events.insertMany(
      events.map((e) => ({
        runId: new Types.ObjectId(e.runId),
        seq: e.seq,
        type: e.type,
        at: new Date(e.at),
        data: e.data,
      })),
      { ordered: false },
    );
  }

  async after(runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
    const records = await this.events
      .find({ runId: new Types.ObjectId(runId), seq: mongoose.trusted({ $gt: afterSeq }) })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<RunEventRecord[]>()
      .exec();
    return records.map(
      (r) => ({ type: r.type, runId, seq: r.seq, at: r.at.toISOString(), data: r.data }) as unknown as RunEvent,
    );
  }

  async lastSeq(runId: Types.ObjectId): Promise<number> {
    const last = await this.events.findOne({ runId }, { seq: 1 }).sort({ seq: -1 }).lean<{ seq: number }>().exec();
    return last?.seq ?? 0;
  }
}
