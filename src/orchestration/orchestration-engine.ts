import { withLogContext } from '../common/log-context.js';
import { SpanStatusCode, traceContextOf, withSpan, type Span } from '../common/tracing.js';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Cluster, PREFIX } from '../cluster/cluster.js';
import type { Domain } from '../common/domains.js';
import { AppConfig } from '../config/app-config.js';
import { ModelCaller } from '../models/model-caller.js';
import { McpToolsService } from '../mcp/mcp-tools.service.js';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import { RunBudget } from './engine/run-budget.js';
import { CallGate } from './engine/call-gate.js';
import { RunCancelled, RunExecution } from './engine/run-execution.js';
import { summarise } from './engine/step-records.js';
import { RunFinisher, RunNotStored, type RunEnding, type StopReason } from './engine/run-finisher.js';
import { RunPlanner } from './engine/run-planner.js';
import { addressOf, RunRecovery } from './engine/run-recovery.js';
import { STRATEGY_RUNNERS } from './engine/strategies.js';
import { RunEventBus } from './events/run-event-bus.js';
import { RunsRepository, type RunRecord } from './runs.repository.js';

/** How a run job ended in this process, and the key whose admission slot it held. */
export interface JobEnd {
  /**
   * `lost`: another worker took the job (this one was wedged past its lock) and goes on with the run;
   * `unstored`: the database went away, nothing of the run's end is stored: the job is tried again.
   */
  end: 'ended' | 'handed_over' | 'lost' | 'unstored';
  keyId: string | null;
}

/** A worker's hold on a run's job: asked before each model call, so a worker that lost it stops. */
export interface Lease {
  held(): Promise<boolean>;
}

const CANCEL_CHANNEL = 'cancel';
const cancelFlag = (runId: string) => `${PREFIX}cancelled:${runId}`;

/** How long a shutdown waits for running runs before it interrupts them. */
const DRAIN_MS = 10_000;

interface ActiveRun {
  controller: AbortController;
  keyId: string;
  done: Promise<void>;
  /** The database went away before the run's end was stored. */
  unstored: boolean;
}

/**
 * Runs runs: starts them (one process) or executes their jobs (a cluster's worker), keeps the
 * ones going here, cancels and stops them. The planner picks the team, the strategy makes the
 * calls, the finisher ends the run. It publishes to the event bus only; it knows nothing of
 * sockets or HTTP.
 */
@Injectable()
export class OrchestrationEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrchestrationEngine.name);
  private readonly active = new Map<string, ActiveRun>();
  readonly gate: CallGate;
  private readonly simulatedProviders: ReadonlySet<string>;
  private stopCancels: () => void = () => undefined;

  constructor(
    private readonly planner: RunPlanner,
    private readonly finisher: RunFinisher,
    private readonly recovery: RunRecovery,
    private readonly caller: ModelCaller,
    private readonly runs: RunsRepository,
    private readonly bus: RunEventBus,
    private readonly cluster: Cluster,
    private readonly tools: McpToolsService,
    private readonly usage: UsageRecorder,
    config: AppConfig,
  ) {
    this.gate = new CallGate(config.orchestration.maxInflightCalls);
    this.simulatedProviders = config.simulatedProviders;
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

  private launch(run: RunRecord, lastSeq: number, cancelled = false, lease?: Lease): ActiveRun {
    const controller = new AbortController();
    if (cancelled) controller.abort('cancel' satisfies StopReason);
    const runId = run._id.toHexString();
    this.bus.open(addressOf(run), lastSeq);
    const check = async () => {
      if (lease === undefined || controller.signal.aborted || (await lease.held())) return;
      controller.abort('lost' satisfies StopReason);
    };
    const entry: ActiveRun = { controller, keyId: run.keyId, done: Promise.resolve(), unstored: false };
    entry.done = withLogContext({ runId }, () =>
      withSpan(
        'orchestratex.run',
        { 'orchestratex.run.id': runId, 'orchestratex.strategy': run.strategy, 'orchestratex.resumed': lastSeq > 0 },
        (span) => this.execute(run, controller.signal, lastSeq, check, span),
        // Under the request that started it, in whichever process executes it.
        { parent: traceContextOf(run.traceparent === null ? {} : { traceparent: run.traceparent }) },
      ),
    )
      .catch((error: unknown) => {
        if (error instanceof RunNotStored) {
          entry.unstored = true;
          this.logger.warn(`Run ${runId} goes back to the queue: ${error.message}`);
        } else this.logger.error(`Run ${runId} ended badly: ${error instanceof Error ? error.stack : String(error)}`);
      })
      .finally(() => this.active.delete(runId));
    this.active.set(runId, entry);
    return entry;
  }

  /**
   * Executes a run job (a cluster's worker): a queued run from its start, a run whose worker died
   * from its stored steps on (events go on after the last stored seq). Resolves when the run ended
   * here, or was handed back because this worker stops.
   */
  async runJob(runId: string, lease?: Lease): Promise<JobEnd> {
    const claimed = await this.recovery.claim(runId);
    if (claimed === null) return { end: 'ended', keyId: null };
    if (claimed.ended) return { end: 'ended', keyId: claimed.run.keyId };
    const cancelled = (await this.cluster.redis.exists(cancelFlag(runId))) === 1;
    const entry = this.launch(claimed.run, claimed.lastSeq, cancelled, lease);
    await entry.done;
    const reason = entry.controller.signal.reason as StopReason | undefined;
    const end = entry.unstored
      ? 'unstored'
      : reason === 'handover'
        ? 'handed_over'
        : reason === 'lost'
          ? 'lost'
          : 'ended';
    return { end, keyId: claimed.run.keyId };
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

  /** A cluster: cancels reach the process that runs the run. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.cluster.enabled) return;
    this.stopCancels = this.cluster.subscribe(CANCEL_CHANNEL, (runId) => void this.cancel(runId));
    await this.cluster.subscribed();
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

  private async execute(
    run: RunRecord,
    signal: AbortSignal,
    lastSeq: number,
    checkLease: () => Promise<void>,
    span: Span,
  ): Promise<void> {
    const runId = run._id.toHexString();
    const ending: RunEnding = { execution: null, team: null, domain: null, signal };
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
      const plan = await this.planner.plan(run, (domain: Domain) => (ending.domain = domain));
      ending.team = plan.team;
      const names = run.options.tools ?? [];
      const tools = names.length === 0 ? null : await this.tools.toolBox(names);
      ending.execution = new RunExecution(
        run,
        {
          caller: this.caller,
          runs: this.runs,
          bus: this.bus,
          gate: this.gate,
          checkLease,
          simulatedProviders: this.simulatedProviders,
          tools,
          recordTool: (call) => this.usage.recordTool(call),
        },
        signal,
        new RunBudget(run.options.costLimitUsd),
        plan.history,
        plan.domain,
      );
      await STRATEGY_RUNNERS[run.strategy](ending.execution, plan.team);
      await checkLease();
      if (signal.aborted) throw new RunCancelled();
    } catch (error) {
      ending.error = error;
    }
    try {
      const status = await this.finisher.close(run, ending);
      const x = ending.execution;
      span.setAttributes({
        'orchestratex.status': status ?? 'not_ended_here',
        'orchestratex.domain': ending.domain ?? 'unknown',
        'orchestratex.calls': x?.totals.calls ?? 0,
        'orchestratex.cost_usd': x?.totals.costUsd ?? 0,
        ...(x?.best?.score == null ? {} : { 'orchestratex.score': x.best.score }),
      });
      if (status === 'failed' || status === 'interrupted')
        span.setStatus({ code: SpanStatusCode.ERROR, message: status });
    } catch (error) {
      // Not ended here: what was not stored was never sent either; the next attempt numbers after the stored.
      if (error instanceof RunNotStored) this.bus.discard(runId);
      throw error;
    } finally {
      await this.bus.close(runId);
    }
  }
}
