import { Injectable, Logger } from '@nestjs/common';
import { providerOf } from '../../common/model-id.js';
import { Types } from 'mongoose';
import type { RunOutcome } from '../../analytics/call-usage.js';
import { UsageRecorder } from '../../analytics/usage-recorder.js';
import { Cluster } from '../../cluster/cluster.js';
import type { Domain } from '../../common/domains.js';
import { isDatabaseUnreachable } from '../../database/database-ping.js';
import { ProviderError } from '../../providers/provider.error.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { MessagesService } from '../../threads/messages.service.js';
import { RunEventBus } from '../events/run-event-bus.js';
import type { RunStatus, RunTotals } from '../events/run-events.js';
import { RunsRepository, type RunChanges, type RunRecord } from '../runs.repository.js';
import { BudgetStop, type RunExecution } from './run-execution.js';
import { StepFailed } from './strategies.js';
import { NoModelError, type Team } from './team.js';

/**
 * Why a run's signal was aborted: a client cancelled it; its one process shuts down (the run is
 * interrupted); or its worker stops and hands it back to the queue (another worker goes on with it);
 * or its worker lost the job's lock to another worker, which goes on with it.
 */
export type StopReason = 'cancel' | 'shutdown' | 'handover' | 'lost';

/** How a run's execution came out, for the finisher to store, announce and count. */
export interface RunEnding {
  execution: RunExecution | null;
  team: Team | null;
  domain: Domain | null;
  signal: AbortSignal;
  /** Absent: the strategy ended normally. */
  error?: unknown;
}

/**
 * The database could not be reached while the run was ending (or its failure was that): nothing
 * of its end is stored. A cluster's worker hands the run back to the queue (another attempt goes
 * on from its stored steps once the database answers); one process tries the end again.
 */
export class RunNotStored extends Error {
  override name = 'RunNotStored';
  constructor(override readonly cause: unknown) {
    super(`the run's end could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** One process: how often, and how far apart, the end of a run is tried again while the database is away. */
const STORE_ATTEMPTS = 30;
const STORE_RETRY_MS = 2000;

const NO_TOTALS: RunTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 };
const INTERRUPTED = 'the server stopped while the run was going';

/** What a failure tells the client: a provider's class, a step's, no model, or (logged) an internal one. */
function failureOf(error: unknown): { errorClass: string; message: string } {
  if (error instanceof ProviderError) return { errorClass: error.errorClass, message: error.message };
  if (error instanceof StepFailed && error.failure !== null) return error.failure;
  if (error instanceof NoModelError) return { errorClass: 'no_model', message: error.message };
  return { errorClass: 'internal', message: 'the run failed inside the server (see its log)' };
}

/** How many calls a run made, in words. */
const callsOf = ({ calls }: { calls: number }) => `${calls} call${calls === 1 ? '' : 's'}`;

/**
 * Ends runs: the answer stored in the thread, the cost set on the session, the run document's
 * end, the final event, and the outcome counted for analytics and the leaderboard.
 */
@Injectable()
export class RunFinisher {
  private readonly logger = new Logger(RunFinisher.name);

  constructor(
    private readonly runs: RunsRepository,
    private readonly bus: RunEventBus,
    private readonly messages: MessagesService,
    private readonly sessions: SessionsService,
    private readonly usage: UsageRecorder,
    private readonly cluster: Cluster,
  ) {}

  /**
   * Stores and announces how the run ended (nothing, for a run handed back to the queue). A
   * database that cannot be reached: a cluster's worker throws RunNotStored (the job goes back to
   * the queue); one process tries again every 2 s for a minute, then leaves the run to the next
   * start's recovery.
   */
  async close(run: RunRecord, ending: RunEnding): Promise<RunStatus | null> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const status = await this.closeOnce(run, ending);
        if (status !== null) this.recordOutcome(run, ending, status);
        return status;
      } catch (error) {
        if (!(error instanceof RunNotStored) || this.cluster.enabled) throw error;
        if (attempt >= STORE_ATTEMPTS) {
          this.logger.error(`Run ${run._id.toHexString()} could not be ended: ${error.message}`);
          return null;
        }
        await new Promise((r) => setTimeout(r, STORE_RETRY_MS));
      }
    }
  }

  private async closeOnce(run: RunRecord, ending: RunEnding): Promise<RunStatus | null> {
    if (!('error' in ending)) {
      try {
        return await this.complete(run, ending.execution, 'succeeded', null);
      } catch (error) {
        if (isDatabaseUnreachable(error)) throw new RunNotStored(error);
        return await this.end(run, { ...ending, error });
      }
    }
    return this.end(run, ending);
  }

  /** A run that a stopped process left going (one process): marked interrupted, and its log says so. */
  async interrupt(run: Pick<RunRecord, '_id'>): Promise<void> {
    await this.runs.finish(run._id, { status: 'interrupted', endedAt: new Date() });
    this.bus.publish(run._id.toHexString(), 'run.interrupted', { reason: INTERRUPTED });
  }

  /**
   * A worker that died between ending a run and storing its final event: the event, written
   * from the run document, so that the log ends as the run did.
   */
  publishFinal(run: RunRecord): void {
    const runId = run._id.toHexString();
    const totals = run.totals;
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
      this.bus.publish(runId, 'run.interrupted', { reason: INTERRUPTED });
    }
  }

  /** A run stopped, over its budget or failed: its status once stored, null when it is not ended here. */
  private async end(run: RunRecord, { execution, signal, error }: RunEnding): Promise<RunStatus | null> {
    const runId = run._id.toHexString();
    const totals = execution ? { ...execution.totals } : NO_TOTALS;
    try {
      if (signal.aborted && signal.reason === ('handover' satisfies StopReason)) {
        // Not ended: the queue gives the run to another worker, which goes on from its stored steps.
        this.logger.warn(`Run ${runId} handed back to the queue: this worker stops`);
        return null;
      }
      if (signal.aborted && signal.reason === ('lost' satisfies StopReason)) return null;
      if (signal.aborted) {
        await this.recordCost(run, totals);
        if (signal.reason === ('shutdown' satisfies StopReason)) {
          this.logger.error(`Run ${runId} interrupted: the server shut down while it was going (${callsOf(totals)})`);
          await this.finish(run, 'interrupted', { totals });
          this.bus.publish(runId, 'run.interrupted', { reason: 'the server shut down while the run was going' });
          return 'interrupted';
        }
        await this.finish(run, 'cancelled', { totals });
        this.bus.publish(runId, 'run.cancelled', { reason: 'cancelled by the client', totals });
        return 'cancelled';
      }
      // The run failed because the database went away: in a cluster another attempt goes on with it.
      if (this.cluster.enabled && isDatabaseUnreachable(error)) throw new RunNotStored(error);
      if (error instanceof BudgetStop) return await this.complete(run, execution, 'budget_exceeded', error.message);
      const failure = failureOf(error);
      if (failure.errorClass === 'internal') {
        this.logger.error(`Run ${runId} failed: ${error instanceof Error ? error.stack : String(error)}`);
      } else {
        this.logger.error(`Run ${runId} failed: ${failure.errorClass}: ${failure.message} (${callsOf(totals)})`);
      }
      await this.recordCost(run, totals);
      await this.finish(run, 'failed', { totals, error: failure });
      this.bus.publish(runId, 'run.failed', { ...failure, totals });
      return 'failed';
    } catch (finishing) {
      if (finishing instanceof RunNotStored) throw finishing;
      if (isDatabaseUnreachable(finishing)) throw new RunNotStored(finishing);
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
      return null;
    }
  }

  /** Stores the best answer in the thread, sets the run's cost on the session, and ends the run. */
  private async complete(
    run: RunRecord,
    execution: RunExecution | null,
    status: 'succeeded' | 'budget_exceeded',
    budgetNote: string | null,
  ): Promise<RunStatus> {
    const totals = execution ? { ...execution.totals } : NO_TOTALS;
    const best = execution?.best ?? null;
    let messageId: Types.ObjectId | null = null;
    if (best !== null) {
      let answerId = run.answerIdReserved ?? null;
      if (answerId === null) {
        answerId = new Types.ObjectId();
        // Tried again (the database was away), the answer is written under the same id: one answer.
        run.answerIdReserved = answerId;
        // A worker taking the run over after this writes the answer under the same id: one answer.
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
    return status;
  }

  private async finish(run: RunRecord, status: RunStatus, changes: RunChanges): Promise<void> {
    await this.runs.finish(run._id, { ...changes, status, endedAt: new Date() });
  }

  /** The run's outcome for analytics: the orchestration numbers and the model leaderboard. */
  private recordOutcome(run: RunRecord, { execution: x, team, domain }: RunEnding, status: RunStatus): void {
    const ref = (modelId: string) => ({ modelId, provider: providerOf(modelId) });
    const writers =
      team === null
        ? []
        : team.primary.length > 0
          ? team.primary.slice(0, 1)
          : team.ladder.length > 0
            ? team.ladder.slice(0, 1)
            : team.proposers;
    // Answers, not judgements: evaluations and council reviews are not on the leaderboard as answers.
    const answers = (x?.steps ?? []).filter(
      (s) => s.status === 'succeeded' && s.role !== 'evaluator' && s.role !== 'reviewer',
    );
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
