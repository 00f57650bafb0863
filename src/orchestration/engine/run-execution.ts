import type { Domain } from '../../common/domains.js';
import { KeyedQueue } from '../../common/keyed-queue.js';
import type { ModelCaller } from '../../models/model-caller.js';
import { SpanStatusCode, withSpan } from '../../common/tracing.js';
import type { ChatMessage, ChatRequest } from '../../providers/provider.types.js';
import type { CallOutcome } from '../../providers/providers.service.js';
import type { RunEventBus } from '../events/run-event-bus.js';
import type { RunEventPayloads, RunEventType, RunTotals, StepRole } from '../events/run-events.js';
import type { RunRecord, RunsRepository } from '../runs.repository.js';
import type { RunStep, StoredToolCall } from '../run.schema.js';
import type { ToolBox } from '../../mcp/tool-box.js';
import type { ToolCallUsage } from '../../analytics/call-usage.js';
import { stepToolCall, ToolLoop, toolsGoTo } from './tool-loop.js';
import { judgementOf, type Interpretation } from './judgement.js';
import type { RunBudget, Reservation } from './run-budget.js';
import { budgetRefusal, holdStep, retryTarget, type RetryTarget } from './step-hold.js';
import { BudgetStop, RunCancelled, settleAll } from './run-stops.js';
import { DeltaCoalescer } from './delta-coalescer.js';
import { callUsageOf, summarise } from './step-records.js';
import type { CallGate } from './call-gate.js';
import type { Candidate } from './model-selector.js';
import type { BuiltPrompt } from './prompts.js';

export { BudgetStop, RunCancelled, settleAll } from './run-stops.js';

export interface ExecutionDeps {
  caller: ModelCaller;
  runs: RunsRepository;
  bus: RunEventBus;
  gate: CallGate;
  /** Aborts the run (reason `lost`) when its worker no longer holds its job (a cluster). */
  checkLease?: () => Promise<void>;
  /** Providers that are the upstream simulator (SIMULATED_PROVIDERS): only theirs may be simulated verdicts. */
  simulatedProviders: ReadonlySet<string>;
  /** The run's MCP tools (`tools` asked for), offered to its writers (and judges with `judgeTools`). */
  tools?: ToolBox | null;
  /** Counts a tool call in analytics (once its result is stored). */
  recordTool?: (call: ToolCallUsage) => void;
}

const DEFAULT_MAX_TOOL_CALLS = 8;

export interface CallOptions {
  json?: ChatRequest['json'];
  /** This call's sampling temperature, over the run's (Self-MoA samples). */
  temperature?: number;
  evaluatesStepId?: string;
  /** Reads the answer as an evaluation or a review; a refusal marks the step failed with the reason. */
  interpret?: (text: string) => Interpretation | { error: string };
}

/** One attempt of a step: what the call gave, which candidate gave it, its price and its usage record. */
interface Attempt {
  call: CallOutcome;
  answeredBy: Candidate;
  costUsd: number | null;
  usageId: string;
}

/** One step while it runs: what it was asked, and its tool loop. */
interface StepContext {
  role: StepRole;
  stepId: string;
  iteration: number;
  prompt: BuiltPrompt;
  options: CallOptions;
  callKey: string;
  startedAt: Date;
  loop: ToolLoop | null;
}

/**
 * One run while it executes: its budget, its steps and totals, the best answer so far, and the
 * one way its strategies call a model (budget reservation, the call gate, the resilience layer,
 * coalesced deltas, pricing, the stored step and its events).
 */
export class RunExecution {
  readonly steps: RunStep[] = [];
  readonly totals: RunTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 };
  /** The best-scored answer; an unscored answer only when none is scored. */
  best: { step: RunStep; score: number | null } | null = null;
  firstScore: number | null = null;
  /** Mean evaluation score of each evaluated answer, by step id. */
  readonly answerScores = new Map<string, number>();
  /** Answers whose every usable evaluation was simulated (the simulator's hash): no observation. */
  readonly simulatedScores = new Set<string>();
  /** What each refinement changed in the score, for the leaderboard. */
  readonly improvements: { modelId: string; provider: string; delta: number }[] = [];
  thresholdMet = false;
  iterations = 0;
  private stepCount = 0;
  /** Step writes go one after another (see KeyedQueue: FerretDB loses concurrent updates of a document). */
  private readonly writes = new KeyedQueue();
  /** Steps an earlier process stored, by call key, in the order it made them (a takeover reuses them). */
  private readonly stored = new Map<string, RunStep[]>();
  /** Tool calls an earlier process stored, by their step's key (`callKey#n`). */
  private readonly storedTools = new Map<string, StoredToolCall[]>();
  /** Steps asked for so far, by call key: the `#n` of a step's tool-call key. */
  private readonly occurrences = new Map<string, number>();

  constructor(
    readonly run: RunRecord,
    private readonly deps: ExecutionDeps,
    readonly signal: AbortSignal,
    readonly budget: RunBudget,
    readonly history: ChatMessage[],
    readonly domain: Domain,
  ) {
    // A run taken over: its stored steps are answers already paid for, and new steps number after them.
    for (const step of run.steps) {
      this.stepCount = Math.max(this.stepCount, step.index);
      if (step.callKey === undefined) continue;
      const same = this.stored.get(step.callKey) ?? [];
      same.push(step);
      this.stored.set(step.callKey, same);
    }
    for (const call of run.toolCalls ?? []) {
      this.storedTools.set(call.key, [...(this.storedTools.get(call.key) ?? []), call]);
    }
    if (run.steps.length > 0 || (run.toolCalls ?? []).length > 0) {
      Object.assign(this.totals, run.totals);
      budget.settle({ amountUsd: 0 }, run.totals.costUsd);
    }
  }

  /** The stored step of the same call, if a process before this one made it (its usage: takeoverUsage). */
  private reuse(key: string): RunStep | undefined {
    const step = this.stored.get(key)?.shift();
    if (step === undefined) return undefined;
    this.steps.push(step);
    return step;
  }

  /** An answer's score as analytics may count it: none for a simulated one. */
  observedScore(stepId: string): number | null {
    return this.simulatedScores.has(stepId) ? null : (this.answerScores.get(stepId) ?? null);
  }

  get runId(): string {
    return this.run._id.toHexString();
  }

  publish<K extends RunEventType>(type: K, data: RunEventPayloads[K]): void {
    this.deps.bus.publish(this.runId, type, data);
  }

  /** Keeps `step` as the answer if it beats the best so far (a scored answer beats an unscored one). */
  consider(step: RunStep, score: number | null): void {
    if (step.status !== 'succeeded') return;
    if (score !== null) this.answerScores.set(step.stepId, score);
    if (score !== null && this.firstScore === null) this.firstScore = score;
    const best = this.best;
    if (best === null || (score !== null && (best.score === null || score > best.score))) {
      this.best = { step, score };
    }
  }

  /**
   * One model call as one step; fallbacks are tried in order until one starts answering. A stream
   * that breaks after its first token is tried again, on the same model once and then on the next
   * candidate (a `step.retried` event tells clients to drop the partial text): no step's tokens are
   * a client's final answer while the run goes on. Each attempt is priced and recorded.
   */
  call(
    role: StepRole,
    candidates: Candidate[],
    iteration: number,
    prompt: BuiltPrompt,
    options: CallOptions = {},
  ): Promise<RunStep> {
    const attributes = {
      'orchestratex.role': role,
      'orchestratex.model': candidates[0].item.id,
      'orchestratex.iteration': iteration,
    };
    return withSpan('orchestratex.step', attributes, async (span) => {
      const step = await this.step(role, candidates, iteration, prompt, options);
      span.setAttributes({
        'orchestratex.step.id': step.stepId,
        'orchestratex.model': step.modelId,
        'orchestratex.step.status': step.status,
        'orchestratex.retries': Math.max(0, step.attempts - 1),
        ...(step.evaluation === null ? {} : { 'orchestratex.score': step.evaluation.score }),
      });
      if (step.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: step.error?.errorClass });
      return step;
    });
  }

  private async step(
    role: StepRole,
    candidates: Candidate[],
    iteration: number,
    prompt: BuiltPrompt,
    options: CallOptions,
  ): Promise<RunStep> {
    const [first] = candidates;
    const callKey = `${role}|${iteration}|${options.evaluatesStepId ?? '-'}|${first.item.id}`;
    const occurrence = (this.occurrences.get(callKey) ?? 0) + 1;
    this.occurrences.set(callKey, occurrence);
    const reused = this.reuse(callKey);
    if (reused !== undefined) return reused;
    const loop = this.toolLoop(role, `${callKey}#${occurrence}`);
    await this.deps.checkLease?.();
    if (this.signal.aborted) throw new RunCancelled();
    const held = this.reserve(candidates, prompt);
    if (held === null) throw new BudgetStop(this.budgetRefusal(role, first, prompt));
    let reservation = held.reservation;
    const release = await this.deps.gate.acquire(this.signal).catch(() => {
      this.budget.settle(reservation, 0);
      throw new RunCancelled();
    });
    try {
      this.stepCount += 1;
      const stepId = `s${this.stepCount}`;
      const context: StepContext = { role, stepId, iteration, prompt, options, callKey, startedAt: new Date(), loop };
      this.publish('step.started', { stepId, role, modelId: first.item.id, iteration });

      let remaining = held.candidates;
      let sameModelAgain = true;
      let attempts = 0;
      await loop?.finishStored(stepId, this.signal);
      for (;;) {
        const attempt = await this.attempt(context, remaining, reservation);
        attempts += attempt.call.attempts;
        const { call, answeredBy } = attempt;
        const broke = call.error !== null && call.timeToFirstTokenMs !== null && call.error.retryable;
        const next: RetryTarget | null = broke ? retryTarget(held.candidates, answeredBy, sameModelAgain) : null;
        // A retry the budget cannot hold leaves the step failed as it broke.
        const again = next === null || this.signal.aborted ? null : this.reserve(next.candidates, prompt);
        if (next === null || again === null) {
          return await this.finish(context, attempt, attempts);
        }
        sameModelAgain = !next.sameModel;
        remaining = again.candidates;
        reservation = again.reservation;
        const error = call.error as NonNullable<CallOutcome['error']>;
        this.publish('step.retried', {
          stepId,
          attempt: attempts + 1,
          modelId: remaining[0].item.id,
          errorClass: error.errorClass,
          message: error.message,
          discardedChars: call.text.length,
        });
      }
    } finally {
      release();
    }
  }

  /** The step's hold on the run's budget (see holdStep), its tool loop's conversation counted. */
  private reserve(candidates: Candidate[], prompt: BuiltPrompt, loop: ToolLoop | null = null) {
    const messages = [...prompt.messages, ...(loop?.messages() ?? [])];
    return holdStep(this.budget, candidates, messages, this.run.options.maxTokens);
  }

  private budgetRefusal(role: StepRole, candidate: Candidate, prompt: BuiltPrompt): string {
    return budgetRefusal(this.budget, role, candidate, prompt.messages, this.run.options.maxTokens);
  }

  /**
   * One attempt of a step: a model call, and while the model calls tools (a tool loop), their
   * results fed back and the model called again, each turn held to the budget like any call.
   */
  private async attempt(step: StepContext, candidates: Candidate[], reservation: Reservation): Promise<Attempt> {
    const { loop, prompt, role, stepId } = step;
    for (;;) {
      const turn = await this.turn(step, candidates, reservation);
      const { call } = turn;
      if (loop === null || call.error !== null || call.toolCalls.length === 0) return turn;
      await loop.run(
        {
          stepId,
          modelId: turn.answeredBy.item.id,
          text: call.text,
          calls: call.toolCalls,
          usageId: turn.usageId,
          usage: call.usage,
          costUsd: turn.costUsd,
          latencyMs: call.latencyMs,
        },
        this.signal,
      );
      if (this.signal.aborted) throw new RunCancelled();
      // The loop goes on with the model that started it; its next turn is held like any call.
      const again = this.reserve([turn.answeredBy], prompt, loop);
      if (again === null) throw new BudgetStop(this.budgetRefusal(role, turn.answeredBy, prompt));
      candidates = again.candidates;
      reservation = again.reservation;
    }
  }

  /** One model call through the resilience layer within the budget: priced, counted in the totals and recorded. */
  private async turn(
    { role, stepId, prompt, options, loop }: StepContext,
    candidates: Candidate[],
    reservation: Reservation,
  ): Promise<Attempt> {
    const byId = new Map(candidates.map((c) => [c.item.id, c]));
    const deltas = new DeltaCoalescer((chunk) => this.publish('step.delta', { stepId, text: chunk }));
    const { call, item, cost, usageId } = await this.deps.caller
      .call(
        candidates.map((c) => c.item),
        {
          kind: 'chat',
          messages: loop === null ? prompt.messages : [...prompt.messages, ...loop.messages()],
          maxTokens: this.run.options.maxTokens,
          temperature: options.temperature ?? this.run.options.temperature ?? undefined,
          json: options.json,
          ...(loop === null ? {} : { tools: loop.definitions, toolChoice: loop.choice }),
        },
        this.signal,
        callUsageOf(this.run, this.domain, { stepId, role }),
        (text) => {
          if (options.interpret === undefined) deltas.push(text);
        },
      )
      .finally(() => deltas.flush());
    const answeredBy = byId.get(item.id) ?? candidates[0];
    const warn = this.budget.settle(reservation, cost.totalUsd);
    this.totals.inputTokens += call.usage?.inputTokens ?? 0;
    this.totals.outputTokens += call.usage?.outputTokens ?? 0;
    if (cost.known) this.totals.costUsd += cost.totalUsd ?? 0;
    else this.totals.unknownCostCalls += 1;
    this.totals.calls += 1;
    if (warn && this.budget.limitUsd !== null) {
      this.publish('run.cost_warning', { spentUsd: this.budget.spentUsd, limitUsd: this.budget.limitUsd });
    }
    return { call, answeredBy, costUsd: cost.totalUsd, usageId: usageId.toHexString() };
  }

  /** The tool loop of a step, when the run has tools and the role gets them (with the calls an earlier process stored). */
  private toolLoop(role: StepRole, key: string): ToolLoop | null {
    const box = this.deps.tools;
    if (!toolsGoTo(role, box, this.run.options.judgeTools)) return null;
    const hooks = {
      store: async (call: StoredToolCall) => {
        await this.writes.run('steps', () => this.deps.runs.addToolCall(this.run._id, call, { ...this.totals }));
        const { tool, errorClass, durationMs, at } = call;
        this.deps.recordTool?.({ ownerId: this.run.ownerId, tool, errorClass, durationMs, at });
      },
      publish: this.publish.bind(this),
    };
    const most = this.run.options.maxToolCalls ?? DEFAULT_MAX_TOOL_CALLS;
    return new ToolLoop(key, box, most, hooks, this.storedTools.get(key));
  }

  /** The step as its last attempt left it: interpreted, stored and announced. */
  private async finish(
    { role, stepId, iteration, options, startedAt, prompt, callKey, loop }: StepContext,
    { call, answeredBy, costUsd, usageId }: Attempt,
    attempts: number,
  ): Promise<RunStep> {
    const { usage, error } = call;
    const text = (loop?.textSoFar ?? '') + call.text;
    const { evaluation, review, failure } = judgementOf(
      text,
      error,
      options.interpret,
      this.deps.simulatedProviders.has(answeredBy.item.provider),
    );
    const step: RunStep = {
      stepId,
      index: Number(stepId.slice(1)),
      role,
      modelId: answeredBy.item.id,
      iteration,
      status: failure === null ? 'succeeded' : 'failed',
      text,
      evaluation,
      evaluatesStepId: options.evaluatesStepId ?? null,
      review,
      usage,
      costUsd,
      latencyMs: call.latencyMs,
      timeToFirstTokenMs: call.timeToFirstTokenMs,
      attempts,
      error: failure,
      prompt,
      startedAt,
      endedAt: new Date(),
      callKey,
      usageId,
      ...(loop === null ? {} : { toolCalls: loop.calls.map(stepToolCall) }),
    };
    this.steps.push(step);
    const totals = { ...this.totals };
    await this.writes.run('steps', () => this.deps.runs.addStep(this.run._id, step, totals));
    this.publish('step.completed', { step: summarise(step) });
    if (this.signal.aborted) throw new RunCancelled();
    return step;
  }

  /** Calls in parallel (proposers, compared models); each result or null when it failed. */
  parallel<T>(tasks: Promise<T>[]): Promise<T[]> {
    return settleAll(tasks);
  }
}
