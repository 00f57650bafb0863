/**
 * The API's shapes the console reads (docs/openapi.json and docs/asyncapi.yaml are the reference).
 * The run events' payloads are the server's own types (type-only: nothing of the server is bundled).
 */
import type { RunStatus, RunTotals, StepSummary } from '../../src/orchestration/events/run-events.js';

export type { RunStatus, RunTotals, StepSummary };
export type Role = 'admin' | 'user';
export const FINAL_STATUSES: RunStatus[] = ['succeeded', 'failed', 'cancelled', 'budget_exceeded', 'interrupted'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface KeyLimits {
  models: string[] | null;
  usdPerDay: number | null;
  usdPerMonth: number | null;
  usdTotal: number | null;
  rpm: number | null;
  tpm: number | null;
  /** Files and hosted tools allowed on a budgeted key, with the USD held per use. */
  unpriced: Record<string, number> | null;
  /** The /v1 response cache of the key's chat completions, without asking. */
  cache: { maxAgeSeconds: number; shared?: boolean } | null;
}

export interface KeySpend {
  usdToday: number;
  usdThisMonth: number;
  usdTotal: number;
  usdHeld: number;
  tokensLastMinute: number;
}

export interface CurrentKey {
  id: string;
  name: string;
  role: Role;
  ownerId: string;
  limits: KeyLimits;
  spend: KeySpend;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  ownerId: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  limits: KeyLimits;
}

export interface Session {
  id: string;
  title: string;
  status: 'active' | 'completed' | 'terminated';
  totalCostUsd: number;
  createdAt: string;
  settings: { maxIterations: number; qualityThreshold: number; costLimitUsd: number | null; defaultStrategy: string };
}

export interface StrategyOption {
  name: string;
  type: 'integer' | 'number' | 'boolean' | 'string' | 'string[]';
  description: string;
  default: number | boolean | string | null;
  minimum: number | null;
  maximum: number | null;
}

export interface Strategy {
  name: string;
  summary: string;
  roles: string[];
  minModels: number;
  options: StrategyOption[];
  commonOptions: string[];
}

export interface StrategyList {
  data: Strategy[];
  commonOptions: StrategyOption[];
}

export interface RunSummary {
  id: string;
  sessionId: string;
  threadId: string;
  strategy: string;
  status: RunStatus;
  prompt: string;
  options: Record<string, unknown>;
  domain: string | null;
  complexity: string | null;
  iterations: number;
  answer: string | null;
  answerModelId: string | null;
  answerStepId: string | null;
  score: number | null;
  firstScore: number | null;
  thresholdMet: boolean;
  answerMessageId: string | null;
  totals: RunTotals;
  error: { errorClass: string; message: string } | null;
  createdAt: string;
  endedAt: string | null;
}

export interface Evaluation {
  scores: Record<string, number>;
  score: number;
  strengths: string[];
  weaknesses: string[];
  suggestions: string[];
  simulated: boolean;
}

export interface RunStep {
  stepId: string;
  index: number;
  role: string;
  modelId: string;
  iteration: number;
  status: 'succeeded' | 'failed';
  text: string;
  evaluation: Evaluation | null;
  evaluatesStepId: string | null;
  review: { ranking: string[]; scores: Record<string, Record<string, number>>; simulated: boolean } | null;
  usage: { inputTokens: number; outputTokens: number } | null;
  costUsd: number | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
  error: { errorClass: string; message: string } | null;
  /** The MCP tools it called in its tool loop (runs with `tools`). */
  toolCalls?: ToolCall[];
}

/** An MCP tool call of a step: what the model asked, and what the tool gave (null while it runs). */
export interface ToolCall {
  callId: string;
  /** `server/tool`. */
  tool: string;
  arguments: string;
  turn: number;
  result: string | null;
  errorClass: string | null;
  durationMs: number | null;
  truncated: boolean;
}

export interface RunDetail extends RunSummary {
  domainReasons: string[];
  candidates: { modelId: string; score: number; reasons: string[] }[];
  team: Record<string, string[]>;
  steps: RunStep[];
}

/** A run event, as Socket.IO and GET /api/orchestrate/runs/{id}/events deliver it. */
export interface RunEvent {
  type: string;
  runId: string;
  seq: number;
  at: string;
  data: Record<string, unknown>;
}

export interface Model {
  id: string;
  provider: string;
  model: string;
  name: string;
  kind: 'chat' | 'embedding';
  enabled: boolean;
  available: boolean;
  unavailableReason: string | null;
  cooldown: 'closed' | 'open' | 'half_open';
  contextWindow: number | null;
  pricing: { inputPerMTok: number; outputPerMTok: number; cachedInputPerMTok: number | null; source: string } | null;
  pricingNote: string | null;
  roles: string[];
  overridden: string[];
}

export interface Provider {
  id: string;
  name: string;
  protocol: string;
  baseUrl: string;
  configured: boolean;
  recentCalls: number;
  recentErrorRate: number | null;
  cooldowns: { model: string; state: 'open' | 'half_open' }[];
}

export interface Latency {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface UsageGroup {
  key: string;
  calls: number;
  successes: number;
  failures: number;
  errorRate: number;
  costUsd: number;
  unknownCostCalls: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: Latency;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: string;
  groups: UsageGroup[];
}

export interface LeaderboardRow {
  modelId: string;
  provider: string;
  calls: number;
  answers: number;
  scoredAnswers: number;
  meanScore: number | null;
  finalAnswers: number;
  finalRate: number | null;
  chosenAsPrimary: number;
  meanImprovement: number | null;
  successRate: number | null;
  p50LatencyMs: number | null;
  costUsd: number;
}

export interface Leaderboard {
  from: string;
  to: string;
  domain: string | null;
  models: LeaderboardRow[];
}

export interface StrategyReport {
  strategy: string;
  runs: number;
  outcomes: Record<string, number>;
  meanFinalScore: number | null;
  meanFirstScore: number | null;
  meanIterations: number | null;
  meanCostUsd: number | null;
  meanLatencyMs: number | null;
  thresholdMetRate: number | null;
}

/** A failed attempt of a call: a retry or a fallback followed it, or the call failed with it. */
export interface FailedAttempt {
  target: string;
  attempt: number;
  errorClass: string;
  status: number | null;
  message: string;
}

/** One line of GET /api/analytics/costs (a provider, model, session or key). */
export interface CostLine {
  key: string;
  calls: number;
  costUsd: number;
  unknownCostCalls: number;
  cacheHits: number;
  savedUsd: number;
}

/** GET /api/analytics/costs. */
export interface CostReport {
  totalUsd: number;
  calls: number;
  unknownCostCalls: number;
  cacheHits: number;
  savedUsd: number;
  byKey: CostLine[];
}

/** One model call of the request log (GET /api/requests). */
export interface RequestRecord {
  id: string;
  at: string;
  ownerId: string;
  keyId: string | null;
  provider: string;
  modelId: string;
  role: string;
  strategy: string;
  status: 'succeeded' | 'failed';
  errorClass: string | null;
  errorMessage: string | null;
  attempts: number;
  failedAttempts: FailedAttempt[];
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  runId: string | null;
  stepId: string | null;
  requestId: string | null;
  /** Answered from the gateway's response cache, at $0. */
  cacheHit: boolean;
  savedUsd: number | null;
}

/** One admin action (GET /api/audit). */
export interface AuditEntry {
  id: string;
  at: string;
  actorKeyId: string;
  action: string;
  targetType: 'key' | 'model';
  targetId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
