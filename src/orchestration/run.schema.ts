import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { Domain } from '../common/domains.js';
import type { NormalizedUsage, ToolCall } from '../providers/provider.types.js';
import type { Strategy } from '../common/strategies.js';
import type { Evaluation } from './engine/evaluation.js';
import type { BuiltPrompt, Criterion } from './engine/prompts.js';
import type { CandidateScore, RunStatus, RunTotals, StepRole } from './events/run-events.js';

/** The options a run was started with, after the session's settings and the defaults filled the gaps. */
export interface RunOptions {
  maxIterations: number;
  qualityThreshold: number;
  costLimitUsd: number | null;
  maxTokens: number;
  temperature: number | null;
  models: string[] | null;
  preferredModels: string[];
  excludedModels: string[];
  evaluators: number;
  proposers: number;
  layers: number;
  /** ensemble: samples of the best model instead of several models. */
  selfMoa: boolean;
  /** debate: revision rounds after the first answers. */
  rounds: number;
  evaluate: boolean;
  /** council: no member reviews its own answer. */
  selfRecusal: boolean;
  /** council: what the reviewers' label orders are drawn from (given, or made at the start). */
  seed: string | null;
  /** MCP tools (`server/tool`) the writers may call; absent on runs from before tools. */
  tools?: string[];
  /** Tool calls each step may make (default 8, at most 32). */
  maxToolCalls?: number;
  /** Judges (evaluators, reviewers, judge, chairman, aggregator) get the tools too. */
  judgeTools?: boolean;
}

/**
 * One tool call of a step's tool loop, stored on the run as soon as its result is known (before
 * the model sees it): a process that takes the run over rebuilds the step's conversation from
 * these and calls neither the model turn nor the tool again.
 */
export interface StoredToolCall {
  /** The step's call key and occurrence (`callKey#n`). */
  key: string;
  stepId: string;
  /** The model turn of the step that asked for it (1, 2, …) and its place in that turn. */
  turn: number;
  index: number;
  /** The model turn: who wrote it, its text beside the calls, and every call it asked for. */
  modelId: string;
  turnText: string;
  turnCalls: ToolCall[];
  /** On a turn's first call: the model turn's usage record (a takeover records it once). */
  usageId: string | null;
  usage: NormalizedUsage | null;
  costUsd: number | null;
  latencyMs: number;
  callId: string;
  /** The function name the model called, and the MCP tool it stands for (`server/tool`). */
  name: string;
  tool: string;
  arguments: string;
  /** What the model was shown: the tool's result, or the error. */
  result: string;
  /** null: the tool answered; else why not (`tool_error`, `timeout`, `unavailable`, `limit_reached`…). */
  errorClass: string | null;
  durationMs: number;
  truncated: boolean;
  at: Date;
}

/** A tool call as its step keeps it. */
export type StepToolCall = Pick<
  StoredToolCall,
  'turn' | 'callId' | 'tool' | 'arguments' | 'result' | 'errorClass' | 'durationMs' | 'truncated'
>;

/** A council member's review of the others' answers, as stored. */
export interface StepReview {
  /** label → the answer's step id, as this reviewer saw them. */
  labels: Record<string, string>;
  /** Step ids, best first. */
  ranking: string[];
  /** Each answer's rubric scores (1–10), by step id. */
  scores: Record<string, Record<Criterion, number>>;
  simulated: boolean;
}

/** One model call of a run, with everything needed to understand it afterwards. */
export interface RunStep {
  stepId: string;
  index: number;
  role: StepRole;
  modelId: string;
  iteration: number;
  status: 'succeeded' | 'failed';
  text: string;
  evaluation: Evaluation | null;
  evaluatesStepId: string | null;
  /** A council review, with its labels mapped back to the answers (steps) they stood for. */
  review?: StepReview | null;
  usage: NormalizedUsage | null;
  costUsd: number | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
  error: { errorClass: string; message: string } | null;
  prompt: BuiltPrompt;
  startedAt: Date;
  endedAt: Date;
  /**
   * What the strategy asked for (role, iteration, the answer evaluated, the first candidate): a
   * run taken over after its worker died reuses the stored step of the same call instead of
   * calling the model again. Absent on steps stored before it was kept.
   */
  callKey?: string;
  /** The usage record of the step's last attempt, recorded again (once) by a takeover. */
  usageId?: string;
  /** The tools the step called (its tool loop), with what each gave, in order. */
  toolCalls?: StepToolCall[];
}

@Schema({ collection: 'runs', timestamps: true, versionKey: false })
export class Run {
  _id: Types.ObjectId;

  @Prop({ required: true })
  ownerId: string;

  /** The API key that started it (for the per-key limit). */
  @Prop({ required: true })
  keyId: string;

  @Prop({ type: Types.ObjectId, required: true })
  sessionId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  threadId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  promptMessageId: Types.ObjectId;

  @Prop({ required: true })
  strategy: Strategy;

  @Prop({ required: true })
  status: RunStatus;

  @Prop({ required: true })
  prompt: string;

  @Prop({ type: Object, required: true })
  options: RunOptions;

  /**
   * The W3C trace context the run was started in (the request's span), when tracing is on: every
   * process that executes the run, a worker that takes it over too, puts its spans under it.
   */
  @Prop({ type: String, default: null })
  traceparent: string | null;

  @Prop({ type: String, default: null })
  domain: Domain | null;

  @Prop({ type: String, default: null })
  complexity: string | null;

  @Prop({ type: [String], default: [] })
  domainReasons: string[];

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  candidates: CandidateScore[];

  @Prop({ type: Object, default: {} })
  team: Record<string, string[]>;

  /** What the team had to make do with (a model judging its own answers, a ladder of weak models). */
  @Prop({ type: [String], default: [] })
  teamNotes: string[];

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  steps: RunStep[];

  /** Every tool call of the run's steps, stored as each result came (see StoredToolCall). */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  toolCalls: StoredToolCall[];

  @Prop({ default: 0 })
  iterations: number;

  @Prop({ type: String, default: null })
  answer: string | null;

  @Prop({ type: String, default: null })
  answerModelId: string | null;

  @Prop({ type: String, default: null })
  answerStepId: string | null;

  @Prop({ type: Number, default: null })
  score: number | null;

  @Prop({ type: Number, default: null })
  firstScore: number | null;

  @Prop({ type: Boolean, default: false })
  thresholdMet: boolean;

  @Prop({ type: Types.ObjectId, default: null })
  answerMessageId: Types.ObjectId | null;

  /**
   * A cluster: the id the answer message gets, kept before it is stored, so a worker taking the
   * run over after a death between the two stores the same message (found) instead of a second.
   */
  @Prop({ type: Types.ObjectId, default: null })
  answerIdReserved?: Types.ObjectId | null;

  @Prop({ type: Object, required: true })
  totals: RunTotals;

  @Prop({ type: Object, default: null })
  error: { errorClass: string; message: string } | null;

  @Prop({ type: Date, default: null })
  endedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export const RunSchema = SchemaFactory.createForClass(Run);
// GET /api/orchestrate/runs: an owner's runs, newest first, optionally of one session, thread or status.
RunSchema.index({ ownerId: 1, _id: -1 });
// At start: runs a dead process left running.
RunSchema.index({ status: 1 });

/** One stored event of a run (the live stream's log, for replay after `seq`). */
@Schema({ collection: 'run_events', versionKey: false })
export class RunEventRecord {
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  runId: Types.ObjectId;

  @Prop({ required: true })
  seq: number;

  @Prop({ required: true })
  type: string;

  @Prop({ required: true })
  at: Date;

  @Prop({ type: Object, required: true })
  data: Record<string, unknown>;
}

export const RunEventRecordSchema = SchemaFactory.createForClass(RunEventRecord);
// Replay after a seq, in order; and no two events of a run with one seq.
RunEventRecordSchema.index({ runId: 1, seq: 1 }, { unique: true });
