import type { Domain } from '../../common/domains.js';
import { KeyedQueue } from '../../common/keyed-queue.js';
import type { ModelCaller } from '../../models/model-caller.js';
import { countChatTokens } from '../../common/tokens.js';
import { costBound } from '../../models/cost-bound.js';
import { SpanStatusCode, withSpan } from '../../common/tracing.js';
import type { ChatMessage, ChatRequest } from '../../providers/provider.types.js';
import type { CallOutcome } from '../../providers/providers.service.js';
import type { RunEventBus } from '../events/run-event-bus.js';
import type { RunEventPayloads, RunEventType, RunTotals, StepRole } from '../events/run-events.js';
import type { RunRecord, RunsRepository } from '../runs.repository.js';
import type { RunStep, StepReview } from '../run.schema.js';
import type { RunBudget, Reservation } from './run-budget.js';
import { DeltaCoalescer } from './delta-coalescer.js';
import { callUsageOf, summarise } from './step-records.js';
import type { CallGate } from './call-gate.js';
import { EVALUATION_FORMAT, meanOf, parseEvaluation, type Evaluation } from './evaluation.js';
import type { Candidate } from './model-selector.js';
import { parseReview, reviewFormat } from './council.js';
import { evaluationPrompt, reaskPrompt, reviewPrompt, type BuiltPrompt } from './prompts.js';

/** The next call would pass the run's cost limit: the run stops with its best answer so far. */
export class BudgetStop extends Error {
  override name = 'BudgetStop';
}

/** Raised once a cancelled run's in-flight calls have been aborted. */
export class RunCancelled extends Error {
  override name = 'RunCancelled';
}

export interface ExecutionDeps {
  caller: ModelCaller;
  runs: RunsRepository;
  bus: RunEventBus;
  gate: CallGate;
  /** Aborts the run (reason `lost`) when its worker no longer holds its job (a cluster). */
  checkLease?: () => Promise<void>;
  /** Providers that are the upstream simulator (SIMULATED_PROVIDERS): only theirs may be simulated verdicts. */
  simulatedProviders: ReadonlySet<string>;
}

const asEvaluation = (text: string): Interpretation | { error: string } => {
  const read = parseEvaluation(text);
  return 'error' in read ? read : { evaluation: read };
};

/** Whether the candidate's provider enforces a JSON schema (else the prompt asks for the shape). */
const structured = (c: Candidate) => c.item.capabilities.includes('structured_output');

/** What a judging step's answer was read as. */
export interface Interpretation {
  evaluation?: Evaluation;
  review?: StepReview;
}

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

/** Where a broken step goes next: its own model once more, or the candidates after it. */
interface RetryTarget {
  candidates: Candidate[];
  sameModel: boolean;
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
    if (run.steps.length > 0) {
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
    const reused = this.reuse(callKey);
    if (reused !== undefined) return reused;
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
      const startedAt = new Date();
      this.publish('step.started', { stepId, role, modelId: first.item.id, iteration });

      let remaining = held.candidates;
      let sameModelAgain = true;
      let attempts = 0;
      for (;;) {
        const attempt = await this.attempt(role, stepId, remaining, prompt, options, reservation);
        attempts += attempt.call.attempts;
        const { call, answeredBy } = attempt;
        const broke = call.error !== null && call.timeToFirstTokenMs !== null && call.error.retryable;
        const next: RetryTarget | null = broke ? this.retryTarget(held.candidates, answeredBy, sameModelAgain) : null;
        // A retry the budget cannot hold leaves the step failed as it broke.
        const again = next === null || this.signal.aborted ? null : this.reserve(next.candidates, prompt);
        if (next === null || again === null) {
          return await this.finish(role, stepId, iteration, options, attempt, attempts, startedAt, prompt, callKey);
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

  /**
   * Holds what a step may cost against the run's budget: the most any of its candidates may cost,
   * fallbacks included (one may cost more than the first). Fallbacks the budget cannot hold are
   * dropped from the step; null when the first cannot be held (or its price is unknown under a limit).
   */
  private reserve(
    candidates: Candidate[],
    prompt: BuiltPrompt,
  ): { candidates: Candidate[]; reservation: Reservation } | null {
    const input = countChatTokens(prompt.messages.map((m) => m.content));
    const held = this.budget.reserveStep(
      candidates.map((c) => costBound([c.item], input, this.run.options.maxTokens).usd),
    );
    return held === null ? null : { candidates: held.usable.map((i) => candidates[i]), reservation: held.reservation };
  }

  private budgetRefusal(role: StepRole, candidate: Candidate, prompt: BuiltPrompt): string {
    const input = countChatTokens(prompt.messages.map((m) => m.content));
    const estimate = costBound([candidate.item], input, this.run.options.maxTokens).usd;
    return estimate === null
      ? `the price of ${candidate.item.id} is unknown, so its call cannot be held to the cost limit`
      : `a ${role} call to ${candidate.item.id} may cost up to $${estimate.toFixed(6)}; only $${this.budget.remainingUsd.toFixed(6)} of the limit is left`;
  }

  /** After a broken stream: the same model once more, else the step's candidates after the one that broke. */
  private retryTarget(candidates: Candidate[], brokeOn: Candidate, sameModelAgain: boolean): RetryTarget | null {
    if (sameModelAgain) return { candidates: [brokeOn], sameModel: true };
    const at = candidates.findIndex((c) => c.item.id === brokeOn.item.id);
    const rest = candidates.slice(at + 1);
    return rest.length > 0 ? { candidates: rest, sameModel: false } : null;
  }

  /** One call through the resilience layer within the budget: priced, counted in the totals and recorded. */
  private async attempt(
    role: StepRole,
    stepId: string,
    candidates: Candidate[],
    prompt: BuiltPrompt,
    options: CallOptions,
    reservation: Reservation,
  ): Promise<Attempt> {
    const byId = new Map(candidates.map((c) => [c.item.id, c]));
    const deltas = new DeltaCoalescer((chunk) => this.publish('step.delta', { stepId, text: chunk }));
    const { call, item, cost, usageId } = await this.deps.caller
      .call(
        candidates.map((c) => c.item),
        {
          kind: 'chat',
          messages: prompt.messages,
          maxTokens: this.run.options.maxTokens,
          temperature: options.temperature ?? this.run.options.temperature ?? undefined,
          json: options.json,
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

  /** The step as its last attempt left it: interpreted, stored and announced. */
  private async finish(
    role: StepRole,
    stepId: string,
    iteration: number,
    options: CallOptions,
    { call, answeredBy, costUsd, usageId }: Attempt,
    attempts: number,
    startedAt: Date,
    prompt: BuiltPrompt,
    callKey: string,
  ): Promise<RunStep> {
    const { text, usage, error } = call;
    let evaluation: Evaluation | null = null;
    let review: StepReview | null = null;
    let failure: { errorClass: string; message: string } | null = error && {
      errorClass: error.errorClass,
      message: error.message,
    };
    if (failure === null && options.interpret !== undefined) {
      const read = options.interpret(text);
      if ('error' in read) failure = { errorClass: 'invalid_evaluation', message: read.error };
      else {
        // Configuration decides what is simulated: a real model writing `"simulated": true` is still judging.
        const simulated = this.deps.simulatedProviders.has(answeredBy.item.provider);
        evaluation = read.evaluation ? { ...read.evaluation, simulated: simulated && read.evaluation.simulated } : null;
        review = read.review ? { ...read.review, simulated: simulated && read.review.simulated } : null;
      }
    }
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
    };
    this.steps.push(step);
    const totals = { ...this.totals };
    await this.writes.run('steps', () => this.deps.runs.addStep(this.run._id, step, totals));
    this.publish('step.completed', { step: summarise(step) });
    if (this.signal.aborted) throw new RunCancelled();
    return step;
  }

  /**
   * Has each evaluator score `answer` (in parallel). A malformed evaluation is asked for once more,
   * then recorded as failed and left out of the mean. Returns the mean score (null if none) and the
   * usable evaluations.
   */
  async evaluate(
    answer: RunStep,
    evaluators: Candidate[],
    iteration: number,
  ): Promise<{ score: number | null; evaluations: Evaluation[] }> {
    const prompt = evaluationPrompt(this.run.prompt, answer.text, this.domain);
    const one = async (evaluator: Candidate): Promise<Evaluation | null> => {
      const options = {
        json: structured(evaluator) ? EVALUATION_FORMAT : true,
        evaluatesStepId: answer.stepId,
        interpret: asEvaluation,
      };
      return (await this.judge('evaluator', evaluator, iteration, prompt, options)).evaluation;
    };
    const evaluations = await settleAll(evaluators.map(one));
    const usable = evaluations.filter((e): e is Evaluation => e !== null);
    if (usable.length > 0 && usable.every((e) => e.simulated)) this.simulatedScores.add(answer.stepId);
    const score = usable.length === 0 ? null : meanOf(usable.map((e) => e.score));
    return { score, evaluations: usable };
  }

  /**
   * A council member's review of the answers under `labels` (label → step id): its rubric scores
   * and strict ranking, mapped back to the steps; tried once more when it cannot be read, and null
   * when it still cannot (the step is recorded failed).
   */
  async review(
    labels: Record<string, string>,
    reviewer: Candidate,
    answers: Map<string, RunStep>,
    iteration: number,
  ): Promise<StepReview | null> {
    const shown = Object.entries(labels).map(([label, stepId]) => ({ label, text: answers.get(stepId)?.text ?? '' }));
    const prompt = reviewPrompt(this.run.prompt, shown, this.domain);
    const interpret = (text: string): Interpretation | { error: string } => {
      const read = parseReview(text, Object.keys(labels));
      if ('error' in read) return read;
      const step = (label: string) => labels[label];
      return {
        review: {
          labels: { ...labels },
          ranking: read.ranking.map(step),
          scores: Object.fromEntries(Object.entries(read.scores).map(([label, scores]) => [step(label), scores])),
          simulated: read.simulated,
        },
      };
    };
    const options = { json: structured(reviewer) ? reviewFormat(Object.keys(labels)) : true, interpret };
    return (await this.judge('reviewer', reviewer, iteration, prompt, options)).review ?? null;
  }

  /** A judging call (an evaluation, a review), asked once more when its answer cannot be read. */
  private async judge(
    role: StepRole,
    judge: Candidate,
    iteration: number,
    prompt: BuiltPrompt,
    options: CallOptions,
  ): Promise<RunStep> {
    const step = await this.call(role, [judge], iteration, prompt, options);
    if (step.error?.errorClass !== 'invalid_evaluation') return step;
    return this.call(role, [judge], iteration, reaskPrompt(prompt, step.error.message), options);
  }

  /** Calls in parallel (proposers, compared models); each result or null when it failed. */
  parallel<T>(tasks: Promise<T>[]): Promise<T[]> {
    return settleAll(tasks);
  }
}

/**
 * Waits for every task, so each step is recorded before the run moves on, then rethrows a
 * cancellation or budget stop if any task hit one.
 */
async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const stop = results.find(
    (r): r is PromiseRejectedResult =>
      r.status === 'rejected' && (r.reason instanceof RunCancelled || r.reason instanceof BudgetStop),
  );
  if (stop !== undefined) throw stop.reason;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
