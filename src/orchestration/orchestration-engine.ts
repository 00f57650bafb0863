import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { countTokens } from 'gpt-tokenizer';
import { Types } from 'mongoose';
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
import { BudgetStop, RunCancelled, RunExecution } from './engine/run-execution.js';
import { NoModelError, planTeam, STRATEGY_RUNNERS, StepFailed, teamIds, type Team } from './engine/strategies.js';
import { RunEventBus, type RunAddress } from './events/run-event-bus.js';
import type { RunStatus, RunTotals } from './events/run-events.js';
import { RunEventsRepository } from './run-events.repository.js';
import { RunsRepository, type RunChanges, type RunRecord } from './runs.repository.js';

/** Why a run's signal was aborted. */
type StopReason = 'cancel' | 'shutdown';

/** How long a shutdown waits for running runs before it interrupts them. */
const DRAIN_MS = 10_000;
const DEFAULT_CONTEXT_WINDOW = 32_768;
/** Room kept in the context window for instructions and critiques around the history. */
const PROMPT_OVERHEAD_TOKENS = 1024;
const CANDIDATES_SHOWN = 8;

const NO_TOTALS: RunTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 };

function addressOf(run: Pick<RunRecord, '_id' | 'ownerId' | 'threadId' | 'sessionId'>): RunAddress {
  return {
    runId: run._id.toHexString(),
    ownerId: run.ownerId,
    threadId: run.threadId.toHexString(),
    sessionId: run.sessionId.toHexString(),
  };
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
  private readonly active = new Map<string, { controller: AbortController; keyId: string; done: Promise<void> }>();
  readonly gate: CallGate;

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

  /** Starts a stored run in the background; its events tell how it goes. */
  start(run: RunRecord): void {
    const controller = new AbortController();
    const runId = run._id.toHexString();
    this.bus.open(addressOf(run));
    const done = this.execute(run, controller.signal)
      .catch((error: unknown) => {
        this.logger.error(`Run ${runId} ended badly: ${error instanceof Error ? error.stack : String(error)}`);
      })
      .finally(() => this.active.delete(runId));
    this.active.set(runId, { controller, keyId: run.keyId, done });
  }

  /** Aborts a running run's calls at once; false when it is not running here. */
  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (run === undefined) return false;
    run.controller.abort('cancel' satisfies StopReason);
    return true;
  }

  /** Runs a dead process left `running` are marked interrupted, and their event log says so. */
  async onApplicationBootstrap(): Promise<void> {
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

  /** Gives running runs a little time to end, then interrupts them (before buffered writes drain). */
  async onModuleDestroy(): Promise<void> {
    const running = [...this.active.values()];
    if (running.length === 0) return;
    const timeout = new Promise((r) => setTimeout(r, DRAIN_MS).unref());
    await Promise.race([Promise.all(running.map((r) => r.done)), timeout]);
    for (const run of this.active.values()) run.controller.abort('shutdown' satisfies StopReason);
    await Promise.all([...this.active.values()].map((r) => r.done));
  }

  private async execute(run: RunRecord, signal: AbortSignal): Promise<void> {
    const runId = run._id.toHexString();
    const budget = new Budget(run.options.costLimitUsd);
    let execution: RunExecution | null = null;
    let team: Team | null = null;
    let detected: Domain | null = null;
    try {
      this.bus.publish(runId, 'run.started', {
        sessionId: run.sessionId.toHexString(),
        threadId: run.threadId.toHexString(),
        strategy: run.strategy,
        prompt: run.prompt,
      });
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
        team = planTeam(run.strategy, ranked, run.options, domain);
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
      if (signal.aborted) {
        const reason = signal.reason === 'shutdown' ? 'shutdown' : 'cancel';
        await this.addCost(run, totals);
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
        await this.addCost(run, totals);
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
      const message = await this.messages.recordAnswer({
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
    await this.addCost(run, totals);
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

  private async addCost(run: RunRecord, totals: RunTotals): Promise<void> {
    if (totals.costUsd > 0) await this.sessions.addCost({ _id: run.sessionId }, totals.costUsd);
  }
}
