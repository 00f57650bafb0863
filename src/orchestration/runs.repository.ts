import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertOrFind } from '../common/id-source.js';
import { findOwned } from '../common/owned.js';
import { pageQuery } from '../common/pagination.js';
import type { OwnerScope } from '../common/owned.js';
import type { RunStatus, RunTotals } from './events/run-events.js';
import { Run, type RunStep, type StoredToolCall } from './run.schema.js';

export type RunRecord = Run;
export type NewRun = Pick<
  Run,
  | 'ownerId'
  | 'keyId'
  | 'sessionId'
  | 'threadId'
  | 'promptMessageId'
  | 'strategy'
  | 'prompt'
  | 'options'
  | 'totals'
  | 'traceparent'
>;
export type RunChanges = Partial<
  Pick<
    Run,
    | 'status'
    | 'answerIdReserved'
    | 'domain'
    | 'complexity'
    | 'domainReasons'
    | 'candidates'
    | 'team'
    | 'teamNotes'
    | 'iterations'
    | 'answer'
    | 'answerModelId'
    | 'answerStepId'
    | 'score'
    | 'firstScore'
    | 'thresholdMet'
    | 'answerMessageId'
    | 'totals'
    | 'error'
    | 'endedAt'
  >
>;

export interface RunFilter {
  sessionId?: string;
  threadId?: string;
  status?: RunStatus;
  strategy?: string;
}

/** The only code that touches the runs collection; reads are scoped by owner. */
@Injectable()
export class RunsRepository {
  constructor(@InjectModel(Run.name) private readonly runs: Model<Run>) {}

  /** Inserts a run; `created` is false when one with its `_id` was stored already (an idempotent retry). */
  insert(
    run: NewRun & Pick<Run, '_id'>,
    status: 'queued' | 'running' = 'running',
  ): Promise<{ doc: RunRecord; created: boolean }> {
    return insertOrFind(this.runs, { ...run, status });
  }

  /** The engine's read of a run it is to execute (by `_id` alone). */
  byId(id: string): Promise<RunRecord | null> {
    return this.runs.findById(new Types.ObjectId(id)).lean<RunRecord>().exec();
  }

  /** By `_id` alone (indexed on the embedded database), ownership checked on the document read. */
  findById(scope: OwnerScope, id: string): Promise<RunRecord | null> {
    return findOwned(this.runs, scope, new Types.ObjectId(id));
  }

  list(scope: OwnerScope, filter: RunFilter, limit: number, cursor?: string): Promise<RunRecord[]> {
    const page = pageQuery(cursor, 'newest');
    const where: Record<string, unknown> = { ...scope, ...page.filter };
    if (filter.sessionId !== undefined) where.sessionId = new Types.ObjectId(filter.sessionId);
    if (filter.threadId !== undefined) where.threadId = new Types.ObjectId(filter.threadId);
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.strategy !== undefined) where.strategy = filter.strategy;
    return this.runs
      .find(where, { steps: 0 })
      .sort(page.sort)
      .limit(limit + 1)
      .lean<RunRecord[]>()
      .exec();
  }

  /** Engine writes: the engine owns its run, so these take the id alone. */
  async update(id: Types.ObjectId, changes: RunChanges): Promise<void> {
    await this.runs.updateOne({ _id: id }, { $set: changes }).exec();
  }

  async addStep(id: Types.ObjectId, step: RunStep, totals: RunTotals): Promise<void> {
    await this.runs.updateOne({ _id: id }, { $push: { steps: step }, $set: { totals } }).exec();
  }

  /** Stores one tool call's result with the totals so far (the run's one writer, before the model sees it). */
  async addToolCall(id: Types.ObjectId, call: StoredToolCall, totals: RunTotals): Promise<void> {
    await this.runs.updateOne({ _id: id }, { $push: { toolCalls: call }, $set: { totals } }).exec();
  }

  /** Runs not ended yet (queued or running), with when they were made: a cluster's sweep for runs without a job. */
  findUnfinished(): Promise<Pick<RunRecord, '_id' | 'status' | 'createdAt'>[]> {
    return this.runs
      .find({ status: { $in: ['queued', 'running'] } }, { _id: 1, status: 1, createdAt: 1 })
      .lean<Pick<RunRecord, '_id' | 'status' | 'createdAt'>[]>()
      .exec();
  }

  /** Runs left `running` (by a process that died). */
  findRunning(): Promise<Pick<RunRecord, '_id' | 'ownerId' | 'threadId' | 'sessionId'>[]> {
    return this.runs
      .find({ status: 'running' }, { _id: 1, ownerId: 1, threadId: 1, sessionId: 1 })
      .lean<Pick<RunRecord, '_id' | 'ownerId' | 'threadId' | 'sessionId'>[]>()
      .exec();
  }

  /**
   * Ends a run only if it is still queued or running (a run ends once). Read then written by `_id`
   * alone: the embedded database indexes no other filter, and a run has one writer at a time.
   */
  async finish(id: Types.ObjectId, changes: RunChanges): Promise<boolean> {
    const run = await this.runs.findById(id, { status: 1 }).lean<Pick<RunRecord, 'status'>>().exec();
    if (run === null || (run.status !== 'queued' && run.status !== 'running')) return false;
    await this.runs.updateOne({ _id: id }, { $set: changes }).exec();
    return true;
  }
}
