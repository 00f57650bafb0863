import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { countTokens } from 'gpt-tokenizer';
import { Types } from 'mongoose';
import { Cluster, PREFIX } from '../cluster/cluster.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { UsageRecorder, type RunOutcome } from '../analytics/usage-recorder.js';
import type { Domain } from '../common/domains.js';
import { AppConfig } from '../config/app-config.js';
import { ModelsService } from '../models/models.service.js';
import { countChatTokens } from '../common/tokens.js';
import { estimateCostOfTokens } from '../models/pricing.js';
import { ProviderError } from '../providers/provider.error.js';
import type { ChatMessage } from '../providers/provider.types.js';
import { ProvidersService } from '../providers/providers.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessagesService } from '../threads/messages.service.js';
import { Budget } from './engine/budget.js';
import { CallGate } from './engine/call-gate.js';
import { classifyPrompt } from './engine/domain-classifier.js';
import { rankCandidates, type Candidate } from './engine/model-selector.js';
import { answerPrompt } from './engine/prompts.js';
import { BudgetStop, RunCancelled, RunExecution, summarise, takeoverUsage } from './engine/run-execution.js';
import { NoModelError, planTeam, STRATEGY_RUNNERS, StepFailed, teamIds, type Team } from './engine/strategies.js';
import { sentKey } from './events/run-broadcaster.js';
import { RunEventBus, type RunAddress } from './events/run-event-bus.js';
import { FINAL_EVENTS, type RunStatus, type RunTotals } from './events/run-events.js';
import { RunEventsRepository } from './run-events.repository.js';
import { RunsRepository, type RunChanges, type RunRecord } from './runs.repository.js';

/**
 * Why a run's signal was aborted: a client cancelled it; its one process shuts down (the run is
 * interrupted); or its worker stops and hands it back to the queue (another worker goes on with it).
 */
type StopReason = 'cancel' | 'shutdown' | 'handover';

/** How a run job ended in this process, and the key whose admission slot it held. */
export interface JobEnd {
  end: 'ended' | 'handed_over';
  keyId: string | null;
}

const CANCEL_CHANNEL = 'cancel';
const cancelFlag = (runId: string) => `${PREFIX}cancelled:${runId}`;

/** How long a shutdown waits for running runs before it interrupts them. */
const DRAIN_MS = 10_000;
const DEFAULT_CONTEXT_WINDOW = 32_768;
/** Room kept in the context window for instructions and critiques around the history. */
const PROMPT_OVERHEAD_TOKENS = 1024;
const CANDIDATES_SHOWN = 8;

interface ActiveRun {
  controller: AbortController;
  keyId: string;
  done: Promise<void>;
}

const NO_TOTALS: RunTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 };

function addressOf(run: Pick<RunRecord, '_id' | 'ownerId' | 'threadId' | 'sessionId'>): RunAddress {
  return {
    runId: run._id.toHexString(),
    ownerId: run.ownerId,
    threadId: run.threadId.toHexString(),
    sessionId: run.sessionId.toHexString(),
  };
}

/** The team a run had before it was taken over, when every member is still a candidate. */
function restoreTeam(stored: Record<string, string[]>, ranked: Candidate[]): Team | null {
  const byId = new Map(ranked.map((c) => [c.item.id, c]));
  const team: Team = { primary: [], evaluators: [], proposers: [], aggregator: [], ladder: [], fallbacks: [] };
  for (const [role, ids] of Object.entries(stored)) {
    if (!(role in team)) return null;
    const members = ids.map((id) => byId.get(id));
    if (members.some((m) => m === undefined)) return null;
    team[role as keyof Team] = members as Candidate[];
  }
  return team;
}

/** The thread's history, newest first, as much as fits the smallest context window of the team. */
function fitHistory(history: ChatMessage[], team: Team, maxTokens: number, prompt: string): ChatMessage[] {
  const members: Candidate[] = [
    ...team.primary,
    ...team.evaluators,
    ...team.proposers,
    ...team.aggregator,
    ...team.ladder,
    ...team.fallbacks,
  ];
  const windows = members.map((c) => c.item.contextWindow).filter((w): w is number => w !== null);
  const window = windows.length > 0 ? Math.min(...windows) : DEFAULT_CONTEXT_WINDOW;
  let room = window - maxTokens - countTokens(prompt) - PROMPT_OVERHEAD_TOKENS;
  const kept: ChatMessage[] = [];
  for (const message of [...history].reverse()) {
    room -= countTokens(message.content) + 3;
    if (room < 0) break;
    kept.unshift(message);
  }
  return kept;
}

/**
 * Executes runs: domain, selection, the strategy, then the answer stored in the thread and the
 * final event. It publishes to the event bus only; it knows nothing of sockets or HTTP.
 */
@Injectable()
export class OrchestrationEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrchestrationEngine.name);
  private readonly active = new Map<string, ActiveRun>();
  readonly gate: CallGate;
  private stopCancels: () => void = () => undefined;

  constructor(
    private readonly models: ModelsService,
    private readonly providers: ProvidersService,
    private readonly runs: RunsRepository,
    private readonly events: RunEventsRepository,
    private readonly bus: RunEventBus,
    private readonly messages: MessagesService,
    private readonly sessions: SessionsService,
    private readonly usage: UsageRecorder,
    private readonly analytics: AnalyticsService,
    private readonly cluster: Cluster,
    config: AppConfig,
  ) {
    this.gate = new CallGate(config.orchestration.maxInflightCalls);
  }

  /** The key's runs going; a cancelled one still writing its end no longer counts (its slot is free once cancel answers). */
  activeRunsOf(keyId: string): number {
    let count = 0;
    for (const run of this.active.values()) if (run.keyId === keyId && !run.controller.signal.aborted) count += 1;
    return count;
  }

  isRunning(runId: string): boolean {
    return this.active.has(runId);
  }

  /** The runs going here, with their keys (their admission slots are renewed while they go). */
  slots(): { keyId: string; runId: string }[] {
    return [...this.active.entries()].map(([runId, run]) => ({ keyId: run.keyId, runId }));
  }

  /** Starts a stored run in the background (one process); its events tell how it goes. */
  start(run: RunRecord): void {
    this.launch(run, 0);
  }

  private launch(run: RunRecord, lastSeq: number, cancelled = false): ActiveRun {
    const controller = new AbortController();
    if (cancelled) controller.abort('cancel' satisfies StopReason);
    const runId = run._id.toHexString();
    this.bus.open(addressOf(run), lastSeq);
    const done = this.execute(run, controller.signal, lastSeq)
      .catch((error: unknown) => {
        this.logger.error(`Run ${runId} ended badly: ${error instanceof Error ? error.stack : String(error)}`);
      })
      .finally(() => this.active.delete(runId));
    const entry = { controller, keyId: run.keyId, done };
    this.active.set(runId, entry);
    return entry;
  }

  /**
   * Executes a run job (a cluster's worker): a queued run from its start, a run whose worker died
   * from its stored steps on (events go on after the last stored seq). Resolves when the run ended
   * here, or was handed back because this worker stops.
   */
  async runJob(runId: string): Promise<JobEnd> {
    const run = await this.runs.byId(runId);
    if (run === null) return { end: 'ended', keyId: null };
    const lastSeq = await this.events.lastSeq(run._id);
    // Taken over: the dead worker may have died with its steps' usage unwritten (even after the end).
    for (const call of takeoverUsage(run)) this.usage.recordOnce(call);
    if (lastSeq > 0) {
      const sent = Number((await this.cluster.redis.get(sentKey(runId))) ?? 0);
      if (sent < lastSeq) this.bus.restored(addressOf(run), await this.events.after(runId, sent, lastSeq - sent));
    }
    if (run.status !== 'queued' && run.status !== 'running') {
      await this.closeLog(run, lastSeq);
      return { end: 'ended', keyId: run.keyId };
    }
    if (run.status === 'queued') await this.runs.update(run._id, { status: 'running' });
    const cancelled = (await this.cluster.redis.exists(cancelFlag(runId))) === 1;
    const entry = this.launch(run, lastSeq, cancelled);
    await entry.done;
    // The job completes only once the run's usage is written: a worker that dies after that leaves
    // nothing of this run unwritten, and no takeover would come to write it.
    await this.usage.written();
    return { end: entry.controller.signal.reason === 'handover' ? 'handed_over' : 'ended', keyId: run.keyId };
  }

  /**
   * A worker that died between ending a run and storing its final event: the event is written
   * from the run document, so the log ends as the run did.
   */
  private async closeLog(run: RunRecord, lastSeq: number): Promise<void> {
    const [last] = lastSeq > 0 ? await this.events.after(run._id.toHexString(), lastSeq - 1, 1) : [];
    if (last !== undefined && FINAL_EVENTS.includes(last.type)) return;
    const runId = run._id.toHexString();
    const totals = run.totals;
    this.bus.open(addressOf(run), lastSeq);
    if (run.status === 'succeeded' || run.status === 'budget_exceeded') {
      this.bus.publish(runId, 'run.completed', {
        status: run.status,
        answer: run.answer,
        modelId: run.answerModelId,
        score: run.score,
        messageId: run.answerMessageId?.toHexString() ?? null,
        totals,
      });
    } else if (run.status === 'failed') {
      const error = run.error ?? { errorClass: 'internal', message: 'the run failed' };
      this.bus.publish(runId, 'run.failed', { ...error, totals });
    } else if (run.status === 'cancelled') {
      this.bus.publish(runId, 'run.cancelled', { reason: 'cancelled by the client', totals });
    } else {
      this.bus.publish(runId, 'run.interrupted', { reason: 'the server stopped while the run was going' });
    }
    await this.bus.close(runId);
  }

  /** Aborts a running run's calls at once; false when it is not running here. */
  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (run === undefined) return false;
    run.controller.abort('cancel' satisfies StopReason);
    return true;
  }

  /** A cluster: asks whichever process runs the run (or will take it from the queue) to cancel it. */
  async requestCancel(runId: string): Promise<void> {
    await this.cluster.redis.set(cancelFlag(runId), '1', 'EX', 86_400);
    await this.cluster.publish(CANCEL_CHANNEL, runId);
  }

  /**
   * One process: runs a dead process left `running` are marked interrupted, and their event log
   * says so. A cluster: nothing to do, the queue gives a dead worker's runs to another worker.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.cluster.enabled) {
      this.stopCancels = this.cluster.subscribe(CANCEL_CHANNEL, (runId) => void this.cancel(runId));
      await this.cluster.subscribed();
      return;
    }
    for (const run of await this.runs.findRunning()) {
      if (this.active.has(run._id.toHexString())) continue;
      const address = addressOf(run);
      this.bus.open(address, await this.events.lastSeq(run._id));
      await this.runs.finish(run._id, { status: 'interrupted', endedAt: new Date() });
      this.bus.publish(address.runId, 'run.interrupted', { reason: 'the server stopped while the run was going' });
      await this.bus.close(address.runId);
      this.logger.warn(`Run ${address.runId} was left running by a stopped server: marked interrupted`);
    }
  }

  /**
   * Gives running runs a little time to end, then stops them (before buffered writes drain): one
   * process interrupts them; a cluster's worker hands them back to the queue.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopCancels();
    // A cluster's runs are stopped by the run worker, which first stops taking jobs.
    if (!this.cluster.enabled) await this.stopAll(DRAIN_MS);
  }

  async stopAll(graceMs: number): Promise<void> {
    const running = [...this.active.values()];
    if (running.length === 0) return;
    const timeout = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([Promise.all(running.map((r) => r.done)), timeout]);
    const reason: StopReason = this.cluster.enabled ? 'handover' : 'shutdown';
    for (const run of this.active.values()) run.controller.abort(reason);
    await Promise.all([...this.active.values()].map((r) => r.done));
  }

  private async execute(run: RunRecord, signal: AbortSignal, lastSeq: number): Promise<void> {
    const runId = run._id.toHexString();
    const budget = new Budget(run.options.costLimitUsd);
    let execution: RunExecution | null = null;
    let team: Team | null = null;
    let detected: Domain | null = null;
    try {
      if (lastSeq === 0) {
        this.bus.publish(runId, 'run.started', {
          sessionId: run.sessionId.toHexString(),
          threadId: run.threadId.toHexString(),
          strategy: run.strategy,
          prompt: run.prompt,
        });
      } else {
        this.bus.publish(runId, 'run.resumed', {
          afterSeq: lastSeq,
          reusedSteps: run.steps.map((step) => summarise(step)),
        });
      }
      if (signal.aborted) throw new RunCancelled();
      const conversation = await this.messages.conversation(
        run.ownerId,
        run.threadId,
        run.promptMessageId.toHexString(),
      );
      const earlier: ChatMessage[] = conversation.slice(0, -1).map((m) => ({ role: m.role, content: m.content }));

      const classification = classifyPrompt(run.prompt);
      const { domain, complexity, reasons } = classification;
      detected = domain;
      await this.runs.update(run._id, { domain, complexity, domainReasons: reasons });
      this.bus.publish(runId, 'run.domain_detected', { domain, complexity, reasons });

      const probeTokens = countChatTokens(answerPrompt(earlier, run.prompt, domain).messages.map((m) => m.content));
      const { ranked, left } = rankCandidates({
        models: await this.models.items(),
        domain,
        complexity,
        preferred: run.options.preferredModels,
        excluded: run.options.excludedModels,
        only: run.options.models ?? undefined,
        costLimitUsd: run.options.costLimitUsd,
        estimateUsd: (item) => estimateCostOfTokens(item.pricing, probeTokens, run.options.maxTokens).maxUsd,
        observed: await this.analytics.observed(),
      });
      try {
        // A run taken over keeps its team, so that its stored steps answer the same calls.
        team =
          (run.steps.length > 0 ? restoreTeam(run.team, ranked) : null) ??
          planTeam(run.strategy, ranked, run.options, domain);
      } catch (error) {
        const why = left.slice(0, 6).map((l) => `${l.modelId}: ${l.reason}`);
        throw error instanceof NoModelError && why.length > 0
          ? new NoModelError(`${error.message} (${why.join('; ')})`)
          : error;
      }
      const candidates = ranked
        .slice(0, CANDIDATES_SHOWN)
        .map((c) => ({ modelId: c.item.id, score: c.score, reasons: c.reasons }));
      await this.runs.update(run._id, { candidates, team: teamIds(team) });
      this.bus.publish(runId, 'run.model_selected', { candidates, team: teamIds(team) });

      const history = fitHistory(earlier, team, run.options.maxTokens, run.prompt);
      execution = new RunExecution(
        run,
        {
          models: this.models,
          usage: this.usage,
          providers: this.providers,
          runs: this.runs,
          bus: this.bus,
          gate: this.gate,
        },
        signal,
        budget,
        history,
        domain,
      );
      await STRATEGY_RUNNERS[run.strategy](execution, team);
      if (signal.aborted) throw new RunCancelled();
      await this.complete(run, execution, 'succeeded', null);
    } catch (error) {
      await this.end(run, execution, signal, error);
    } finally {
      this.recordOutcome(run, execution, team, detected);
      await this.bus.close(runId);
    }
  }

  private async end(
    run: RunRecord,
    execution: RunExecution | null,
    signal: AbortSignal,
    error: unknown,
  ): Promise<void> {
    const runId = run._id.toHexString();
    const totals = execution ? { ...execution.totals } : NO_TOTALS;
    try {
      if (signal.aborted && signal.reason === 'handover') {
        // Not ended: the queue gives the run to another worker, which goes on from its stored steps.
        this.logger.warn(`Run ${runId} handed back to the queue: this worker stops`);
        return;
      }
      if (signal.aborted) {
        const reason = signal.reason === 'shutdown' ? 'shutdown' : 'cancel';
        await this.recordCost(run, totals);
        if (reason === 'shutdown') {
          await this.finish(run, 'interrupted', { totals });
          this.bus.publish(runId, 'run.interrupted', { reason: 'the server shut down while the run was going' });
        } else {
          await this.finish(run, 'cancelled', { totals });
          this.bus.publish(runId, 'run.cancelled', { reason: 'cancelled by the client', totals });
        }
      } else if (error instanceof BudgetStop) {
        await this.complete(run, execution, 'budget_exceeded', error.message);
      } else {
        const failure =
          error instanceof ProviderError
            ? { errorClass: error.errorClass, message: error.message }
            : error instanceof StepFailed && error.failure !== null
              ? error.failure
              : error instanceof NoModelError
                ? { errorClass: 'no_model', message: error.message }
                : { errorClass: 'internal', message: 'the run failed inside the server (see its log)' };
        if (failure.errorClass === 'internal') {
          this.logger.error(`Run ${runId} failed: ${error instanceof Error ? error.stack : String(error)}`);
        }
        await this.recordCost(run, totals);
        await this.finish(run, 'failed', { totals, error: failure });
        this.bus.publish(runId, 'run.failed', { ...failure, totals });
      }
    } catch (finishing) {
      this.logger.error(
        `Run ${runId} could not be closed: ${finishing instanceof Error ? finishing.message : String(finishing)}`,
      );
      if (this.bus.isLive(runId)) {
        this.bus.publish(runId, 'run.failed', {
          errorClass: 'internal',
          message: 'the run could not be stored',
          totals,
        });
      }
    }
  }

  /** Stores the best answer in the thread, adds the cost to the session, and ends the run. */
  private async complete(
    run: RunRecord,
    execution: RunExecution | null,
    status: 'succeeded' | 'budget_exceeded',
    budgetNote: string | null,
  ): Promise<void> {
    const totals = execution ? { ...execution.totals } : NO_TOTALS;
    const best = execution?.best ?? null;
    let messageId: Types.ObjectId | null = null;
    if (best !== null) {
      let answerId = run.answerIdReserved ?? null;
      if (answerId === null) {
        answerId = new Types.ObjectId();
        if (this.cluster.enabled) await this.runs.update(run._id, { answerIdReserved: answerId });
      }
      const message = await this.messages.recordAnswer({
        _id: answerId,
        ownerId: run.ownerId,
        threadId: run.threadId,
        sessionId: run.sessionId,
        parentId: run.promptMessageId,
        content: best.step.text,
        model: best.step.modelId,
        runId: run._id,
        inputTokens: totals.inputTokens,
        outputTokens: totals.outputTokens,
        costUsd: totals.costUsd,
        score: best.score,
      });
      messageId = message._id;
    }
    await this.recordCost(run, totals);
    await this.finish(run, status, {
      totals,
      iterations: execution?.iterations ?? 0,
      answer: best?.step.text ?? null,
      answerModelId: best?.step.modelId ?? null,
      answerStepId: best?.step.stepId ?? null,
      score: best?.score ?? null,
      firstScore: execution?.firstScore ?? null,
      thresholdMet: execution?.thresholdMet ?? false,
      answerMessageId: messageId,
      error: budgetNote === null ? null : { errorClass: 'budget_exceeded', message: budgetNote },
    });
    this.bus.publish(run._id.toHexString(), 'run.completed', {
      status,
      answer: best?.step.text ?? null,
      modelId: best?.step.modelId ?? null,
      score: best?.score ?? null,
      messageId: messageId?.toHexString() ?? null,
      totals,
    });
  }

  private async finish(run: RunRecord, status: RunStatus, changes: RunChanges): Promise<void> {
    await this.runs.finish(run._id, { ...changes, status, endedAt: new Date() });
    this.ended.set(run._id.toHexString(), status);
  }

  /** Statuses of runs ended here, until their outcome is recorded. */
  private readonly ended = new Map<string, RunStatus>();

  /** The run's outcome for analytics: the orchestration numbers and the model leaderboard. */
  private recordOutcome(run: RunRecord, x: RunExecution | null, team: Team | null, domain: string | null): void {
    const status = this.ended.get(run._id.toHexString());
    this.ended.delete(run._id.toHexString());
    if (status === undefined) return;
    const ref = (modelId: string) => ({ modelId, provider: modelId.split('/')[0] });
    const writers =
      team === null
        ? []
        : team.primary.length > 0
          ? team.primary.slice(0, 1)
          : team.ladder.length > 0
            ? team.ladder.slice(0, 1)
            : team.proposers;
    const answers = (x?.steps ?? []).filter((s) => s.status === 'succeeded' && s.role !== 'evaluator');
    const simulated = (x?.simulatedScores.size ?? 0) > 0;
    const endedAt = new Date();
    const outcome: RunOutcome = {
      ownerId: run.ownerId,
      strategy: run.strategy,
      status,
      domain,
      iterations: x?.iterations ?? 0,
      // Simulated scores (the simulator's hash) are no observation: analytics and selection never see them.
      firstScore: simulated ? null : (x?.firstScore ?? null),
      finalScore: x?.best ? x.observedScore(x.best.step.stepId) : null,
      thresholdMet: x?.thresholdMet ?? false,
      costUsd: x?.totals.costUsd ?? 0,
      durationMs: endedAt.getTime() - run.createdAt.getTime(),
      endedAt,
      primaryModels: writers.map((c) => ref(c.item.id)),
      finalModel: x?.best && (status === 'succeeded' || status === 'budget_exceeded') ? ref(x.best.step.modelId) : null,
      answers: answers.map((s) => ({ ...ref(s.modelId), score: x?.observedScore(s.stepId) ?? null })),
      improvements: simulated ? [] : [...(x?.improvements ?? [])],
    };
    this.usage.recordRun(outcome);
  }

  private async recordCost(run: RunRecord, totals: RunTotals): Promise<void> {
    if (totals.costUsd > 0) await this.sessions.setRunCost({ _id: run.sessionId }, run._id, totals.costUsd);
  }
}
