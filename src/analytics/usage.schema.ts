import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { FailedAttempt } from '../providers/provider.types.js';

/** One model call: every entry point writes one (orchestration steps, the model test, later ones). */
@Schema({ collection: 'usage', versionKey: false })
export class UsageRecord {
  _id: Types.ObjectId;
  @Prop({ required: true }) ownerId: string;
  /** The API key the call was made with; null for calls of no stored key. */
  @Prop({ type: String, default: null }) keyId: string | null;
  @Prop({ type: Types.ObjectId, default: null }) sessionId: Types.ObjectId | null;
  @Prop({ type: Types.ObjectId, default: null }) threadId: Types.ObjectId | null;
  @Prop({ type: Types.ObjectId, default: null }) runId: Types.ObjectId | null;
  @Prop({ type: String, default: null }) stepId: string | null;
  /** primary, proposer, evaluator, refiner, aggregator; `test` for POST /api/models/:id/test. */
  @Prop({ required: true }) role: string;
  /** The run's strategy; `none` outside runs. */
  @Prop({ required: true }) strategy: string;
  @Prop({ required: true }) provider: string;
  /** Catalogue id. */
  @Prop({ required: true }) modelId: string;
  @Prop({ type: String, default: null }) domain: string | null;
  @Prop({ required: true }) inputTokens: number;
  @Prop({ required: true }) outputTokens: number;
  @Prop({ required: true }) cachedInputTokens: number;
  @Prop({ required: true }) reasoningTokens: number;
  /** Null: unknown (no price, or no usage reported for an answer). */
  @Prop({ type: Number, default: null }) costUsd: number | null;
  @Prop({ required: true }) latencyMs: number;
  @Prop({ type: Number, default: null }) ttftMs: number | null;
  @Prop({ required: true }) status: 'succeeded' | 'failed';
  @Prop({ type: String, default: null }) errorClass: string | null;
  /** What went wrong, in words (a failed call). */
  @Prop({ type: String, default: null }) errorMessage: string | null;
  /** Attempts over every model tried; the failed ones (retries, fallbacks) in order. */
  @Prop({ type: Number, default: 1 }) attempts: number;
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] }) failedAttempts: FailedAttempt[];
  /** The HTTP request the call was made for, when there was one. */
  @Prop({ type: String, default: null }) requestId: string | null;
  /** The OpenTelemetry trace of the call, when tracing is on. */
  @Prop({ type: String, default: null }) traceId: string | null;
  /** Answered from the response cache (no model called). */
  @Prop({ type: Boolean, default: false }) cacheHit: boolean;
  /** A cache hit's saving: the replayed call's cost (USD); null otherwise or when unknown. */
  @Prop({ type: Number, default: null }) savedUsd: number | null;
  @Prop({ required: true }) at: Date;
}
export const UsageRecordSchema = SchemaFactory.createForClass(UsageRecord);
// Retention deletes by age; the session breakdown reads an owner's records in a range.
UsageRecordSchema.index({ at: 1 });
UsageRecordSchema.index({ ownerId: 1, at: 1 });
// The request log: one owner's calls, newest first (MongoDB; the embedded database scans).
UsageRecordSchema.index({ ownerId: 1, _id: -1 });

const counters = { type: MongooseSchema.Types.Mixed, default: {} };

/** Daily counters per owner × provider × model × strategy (`_id` = those joined by `|`). */
@Schema({ collection: 'usage_rollups', versionKey: false, minimize: false })
export class UsageRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) provider: string;
  @Prop({ required: true }) modelId: string;
  @Prop({ required: true }) strategy: string;
  /** calls, successes, failures, tokens, costUsd, unknownCostCalls, latencySumMs, ttftSumMs, ttftCount. */
  @Prop(counters) n: Record<string, number>;
  /** Failures by error class. */
  @Prop(counters) fail: Record<string, number>;
  /** Latency and time-to-first-token histograms (histogram.ts buckets b0…). */
  @Prop(counters) lat: Record<string, number>;
  @Prop(counters) ttft: Record<string, number>;
}
export const UsageRollupSchema = SchemaFactory.createForClass(UsageRollup);
// Every analytics query: an owner's (or everyone's) days in a range.
UsageRollupSchema.index({ ownerId: 1, day: 1 });
UsageRollupSchema.index({ day: 1 });

/** Daily counters per owner × model × domain, with what the leaderboard needs. */
@Schema({ collection: 'model_rollups', versionKey: false, minimize: false })
export class ModelRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) provider: string;
  @Prop({ required: true }) modelId: string;
  @Prop({ required: true }) domain: string;
  /** calls, successes, costUsd, latencySumMs, answers, primaryChosen, finalAnswers, scoreSum, scoreCount, improvementSum, improvementCount. */
  @Prop(counters) n: Record<string, number>;
  @Prop(counters) lat: Record<string, number>;
}
export const ModelRollupSchema = SchemaFactory.createForClass(ModelRollup);
ModelRollupSchema.index({ ownerId: 1, day: 1 });
ModelRollupSchema.index({ day: 1 });

/** Daily counters per owner × session. */
@Schema({ collection: 'session_rollups', versionKey: false, minimize: false })
export class SessionRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) sessionId: string;
  @Prop(counters) n: Record<string, number>;
  @Prop(counters) fail: Record<string, number>;
  @Prop(counters) lat: Record<string, number>;
  @Prop(counters) ttft: Record<string, number>;
}
export const SessionRollupSchema = SchemaFactory.createForClass(SessionRollup);
SessionRollupSchema.index({ ownerId: 1, day: 1 });
SessionRollupSchema.index({ sessionId: 1 });
SessionRollupSchema.index({ day: 1 });

/** Daily counters per owner × strategy of runs that ended. */
@Schema({ collection: 'run_rollups', versionKey: false, minimize: false })
export class RunRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) strategy: string;
  /** runs, iterationsSum, firstScoreSum, firstScoreCount, finalScoreSum, finalScoreCount, thresholdMet, costUsd, durationSumMs. */
  @Prop(counters) n: Record<string, number>;
  /** Runs by final status. */
  @Prop(counters) outcome: Record<string, number>;
}
export const RunRollupSchema = SchemaFactory.createForClass(RunRollup);
RunRollupSchema.index({ ownerId: 1, day: 1 });
RunRollupSchema.index({ day: 1 });

/** Daily counters per owner × MCP tool (`_id` = day|owner|server/tool): calls, errors, durations. */
@Schema({ collection: 'tool_rollups', versionKey: false, minimize: false })
export class ToolRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) tool: string;
  /** calls, errors, durationSumMs. */
  @Prop(counters) n: Record<string, number>;
  /** Errors by class. */
  @Prop(counters) fail: Record<string, number>;
  /** Durations, as a histogram. */
  @Prop(counters) lat: Record<string, number>;
}
export const ToolRollupSchema = SchemaFactory.createForClass(ToolRollup);
ToolRollupSchema.index({ ownerId: 1, day: 1 });
ToolRollupSchema.index({ day: 1 });

/** Daily counters per owner × API key (`_id` = day|owner|key): a key's spend, its limits' baseline. */
@Schema({ collection: 'key_rollups', versionKey: false, minimize: false })
export class KeyRollup {
  @Prop({ type: String }) _id: string;
  @Prop({ required: true }) day: Date;
  @Prop({ required: true }) ownerId: string;
  @Prop({ required: true }) keyId: string;
  @Prop(counters) n: Record<string, number>;
  @Prop(counters) fail: Record<string, number>;
  @Prop(counters) lat: Record<string, number>;
  @Prop(counters) ttft: Record<string, number>;
}
export const KeyRollupSchema = SchemaFactory.createForClass(KeyRollup);
KeyRollupSchema.index({ ownerId: 1, day: 1 });
KeyRollupSchema.index({ day: 1 });
