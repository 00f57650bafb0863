import {
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { ownerScope, type Principal } from '../auth/principal.js';
import { IdSource } from '../common/id-source.js';
import { currentTraceparent } from '../common/tracing.js';
import { toPage, type Page } from '../common/pagination.js';
import { AppConfig } from '../config/app-config.js';
import { ModelsService } from '../models/models.service.js';
import { DEFAULT_SETTINGS } from '../sessions/session.schema.js';
import { STRATEGIES, type Strategy } from '../common/strategies.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessagesService } from '../threads/messages.service.js';
import { ThreadsService } from '../threads/threads.service.js';
import type { OrchestrateDto } from './dto/orchestrate.dto.js';
import {
  toRunEvent,
  toRunResponse,
  toRunSummary,
  type RunCreatedDto,
  type RunEventDto,
  type RunResponseDto,
  type RunSummaryDto,
} from './dto/run.response.dto.js';
import type { ListRunsQueryDto, RunEventsQueryDto } from './dto/run-queries.dto.js';
import { RunEventBus } from './events/run-event-bus.js';
import { followRun } from './sse.js';
import { FINAL_EVENTS, type RunEvent } from './events/run-events.js';
import { McpToolsService } from '../mcp/mcp-tools.service.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { Cluster } from '../cluster/cluster.js';
import { RunAdmission } from './admission.js';
import { RunQueue } from './jobs/run-jobs.js';
import { OrchestrationEngine } from './orchestration-engine.js';
import type { RunOptions } from './run.schema.js';
import { defaultOf, PARTIAL_OPTIONS, reads, STRATEGY_OPTIONS } from './engine/strategy-catalogue.js';
import { RunsRepository, type RunRecord } from './runs.repository.js';

const DEFAULTS = { temperature: null };

/** Starting, reading, following and cancelling runs; the engine executes them. */
@Injectable()
export class OrchestrationService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly engine: OrchestrationEngine,
    private readonly bus: RunEventBus,
    private readonly sessions: SessionsService,
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly models: ModelsService,
    private readonly config: AppConfig,
    private readonly admission: RunAdmission,
    private readonly queue: RunQueue,
    private readonly cluster: Cluster,
    private readonly limits: KeyLimitsService,
    private readonly tools: McpToolsService,
  ) {}

  /**
   * Starts a run: counted against the key's rpm first (unless `admitted`: the caller counted the
   * request already), then admitted against the runs going and the calls in flight.
   */
  async start(
    principal: Principal,
    dto: OrchestrateDto,
    ids = new IdSource(),
    { admitted = false } = {},
  ): Promise<RunCreatedDto> {
    if (!admitted) await this.limits.admit(principal.keyId);
    // Taken in the same order on every attempt, so an idempotent retry gives each object its id again.
    const [newThreadId, messageId, runId] = [ids.next(), ids.next(), ids.next()];
    const refused = await this.admission.admit(principal.keyId, runId.toHexString());
    if (refused !== null) throw new HttpException(refused, HttpStatus.TOO_MANY_REQUESTS);
    try {
      return await this.store(principal, dto, newThreadId, messageId, runId);
    } catch (error) {
      await this.admission.release(principal.keyId, runId.toHexString()).catch(() => undefined);
      throw error;
    }
  }

  private async store(
    principal: Principal,
    dto: OrchestrateDto,
    newThreadId: Types.ObjectId,
    messageId: Types.ObjectId,
    runId: Types.ObjectId,
  ): Promise<RunCreatedDto> {
    const session = await this.sessions.requireActive(principal, dto.sessionId);
    const strategy = dto.strategy ?? session.settings.defaultStrategy;
    const options = await this.resolveOptions(dto, strategy, session.settings);
    if (options.models !== null) await this.limits.requireModels(principal.keyId, options.models);
    if (dto.tools !== undefined) options.tools = await this.tools.resolve(dto.tools, principal.keyId);

    let threadId: string;
    if (dto.threadId !== undefined) {
      const thread = await this.threads.require(principal, dto.threadId);
      if (!thread.sessionId.equals(session._id)) {
        throw new BadRequestException(`thread ${dto.threadId} belongs to another session than ${dto.sessionId}`);
      }
      threadId = dto.threadId;
    } else {
      const title = dto.prompt.replace(/\s+/g, ' ').trim().slice(0, 80);
      threadId = (
        await this.threads.create(
          principal,
          { sessionId: dto.sessionId, title },
          new IdSource([newThreadId.toHexString()]),
        )
      ).id;
    }
    const message = await this.messages.post(
      principal,
      threadId,
      { role: 'user', content: dto.prompt },
      new IdSource([messageId.toHexString()]),
    );

    const { doc: run, created } = await this.runs.insert(
      {
        _id: runId,
        ownerId: session.ownerId,
        keyId: principal.keyId,
        sessionId: session._id,
        threadId: new Types.ObjectId(threadId),
        promptMessageId: new Types.ObjectId(message.id),
        strategy,
        prompt: dto.prompt,
        options,
        traceparent: currentTraceparent(),
        totals: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 },
      },
      this.cluster.enabled ? 'queued' : 'running',
    );
    // A cluster: the job's id is the run's, so a retry that finds the run stored adds no second job.
    if (this.cluster.enabled) await this.queue.enqueue(run._id.toHexString());
    else if (created) this.engine.start(run);
    return { runId: run._id.toHexString(), threadId, status: run.status };
  }

  /** Request, then session settings, then defaults; the models named must exist. */
  private async resolveOptions(
    dto: OrchestrateDto,
    strategy: Strategy,
    settings: Awaited<ReturnType<SessionsService['requireActive']>>['settings'],
  ): Promise<RunOptions> {
    const unread = PARTIAL_OPTIONS.filter(
      (option) => dto[option as keyof OrchestrateDto] !== undefined && !reads(strategy, option),
    );
    if (unread.length > 0) {
      const takers = (option: string) => STRATEGIES.filter((s) => reads(s, option)).join(', ');
      throw new BadRequestException(
        unread.map((o) => `${o} is not an option of ${strategy} runs (${takers(o)} read it)`).join('; '),
      );
    }
    if ((strategy === 'council' || strategy === 'debate') && dto.proposers !== undefined && dto.proposers < 2) {
      const who = strategy === 'council' ? 'members' : 'agents';
      throw new BadRequestException(`proposers: a ${strategy} needs two ${who} or more`);
    }
    for (const needsTools of ['maxToolCalls', 'judgeTools'] as const) {
      if (dto[needsTools] !== undefined && dto.tools === undefined) {
        throw new BadRequestException(`${needsTools}: only with tools (the MCP tools the run's models may call)`);
      }
    }
    if (dto.models !== undefined) {
      const kinds = new Map((await this.models.items()).map((m) => [m.item.id, m.item.kind]));
      const unknown = dto.models.filter((m) => !kinds.has(m));
      if (unknown.length > 0) {
        throw new BadRequestException(
          `models: not in the catalogue: ${unknown.join(', ')} (GET /api/models lists them)`,
        );
      }
      const embedding = dto.models.filter((m) => kinds.get(m) === 'embedding');
      if (embedding.length > 0) {
        throw new BadRequestException(
          `models: ${embedding.join(', ')} ${embedding.length === 1 ? 'is an embedding model' : 'are embedding models'}, which answer no prompt`,
        );
      }
    }
    return {
      maxIterations: dto.maxIterations ?? settings.maxIterations ?? DEFAULT_SETTINGS.maxIterations,
      qualityThreshold: dto.qualityThreshold ?? settings.qualityThreshold ?? DEFAULT_SETTINGS.qualityThreshold,
      costLimitUsd: dto.costLimitUsd ?? settings.costLimitUsd ?? null,
      maxTokens: dto.maxTokens ?? this.config.orchestration.defaultMaxTokens,
      temperature: dto.temperature ?? DEFAULTS.temperature,
      models: dto.models ?? null,
      preferredModels: [...(settings.preferredModels ?? [])],
      excludedModels: [...(settings.excludedModels ?? [])],
      evaluators: dto.evaluators ?? STRATEGY_OPTIONS.evaluators.default,
      proposers: dto.proposers ?? STRATEGY_OPTIONS.proposers.default,
      layers: dto.layers ?? STRATEGY_OPTIONS.layers.default,
      rounds: dto.rounds ?? STRATEGY_OPTIONS.rounds.default,
      selfMoa: dto.selfMoa ?? STRATEGY_OPTIONS.selfMoa.default,
      evaluate: dto.evaluate ?? (defaultOf(strategy, 'evaluate') as boolean),
      selfRecusal: dto.selfRecusal ?? STRATEGY_OPTIONS.selfRecusal.default,
      seed: strategy === 'council' ? (dto.seed ?? randomBytes(8).toString('hex')) : null,
      ...(dto.tools === undefined
        ? {}
        : { tools: [], maxToolCalls: dto.maxToolCalls ?? 8, judgeTools: dto.judgeTools ?? false }),
    };
  }

  async list(principal: Principal, query: ListRunsQueryDto): Promise<Page<RunSummaryDto>> {
    const docs = await this.runs.list(
      ownerScope(principal),
      { sessionId: query.sessionId, threadId: query.threadId, status: query.status, strategy: query.strategy },
      query.limit,
      query.cursor,
    );
    return toPage(docs, query.limit, toRunSummary);
  }

  async get(principal: Principal, id: string): Promise<RunResponseDto> {
    return toRunResponse(await this.require(principal, id));
  }

  /** The run, or a 404 that does not tell a foreign run from a missing one. */
  async require(principal: Principal, id: string): Promise<RunRecord> {
    const run = await this.runs.findById(ownerScope(principal), id);
    if (run === null) throw new NotFoundException(`run ${id} not found`);
    return run;
  }

  async events(principal: Principal, id: string, query: RunEventsQueryDto): Promise<RunEventDto[]> {
    await this.require(principal, id);
    return (await this.bus.eventsAfter(id, query.after, query.limit)).map(toRunEvent);
  }

  async cancel(principal: Principal, id: string): Promise<RunSummaryDto> {
    const run = await this.require(principal, id);
    if (this.cluster.enabled) {
      if (run.status !== 'running' && run.status !== 'queued') {
        throw new ConflictException(`run ${id} is ${run.status}; only a queued or running run can be cancelled`);
      }
      // Whichever worker runs it hears it at once; one that takes it from the queue later sees the flag.
      await this.engine.requestCancel(id);
      await this.admission.release(run.keyId, id);
      await this.waitForEnd(id, 10_000);
      return toRunSummary(await this.require(principal, id));
    }
    if (run.status !== 'running' || !this.engine.cancel(id)) {
      throw new ConflictException(
        `run ${id} is ${run.status === 'running' ? 'not running on this server' : run.status}; only a running run can be cancelled`,
      );
    }
    await this.waitForEnd(id, 10_000);
    return toRunSummary(await this.require(principal, id));
  }

  /** A run's events after `afterSeq`, past then live, to `deliver` (see followRun); returns the way to stop. */
  follow(runId: string, afterSeq: number, deliver: (event: RunEvent) => void): ReturnType<typeof followRun> {
    return followRun(this.bus, runId, afterSeq, deliver);
  }

  /** Waits until the run's final event (or `ms`); true when it ended. */
  waitForEnd(runId: string, ms = this.config.orchestration.waitMs): Promise<boolean> {
    if (!this.cluster.enabled && !this.engine.isRunning(runId) && !this.bus.isLive(runId)) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (ended: boolean) => {
        clearTimeout(timer);
        stop();
        resolve(ended);
      };
      const timer = setTimeout(() => done(false), ms);
      // The final event is published (or, in a cluster, broadcast) once the run document is written.
      const stop = this.bus.listen(({ event }) => {
        if (event.runId === runId && FINAL_EVENTS.includes(event.type)) done(true);
      });
      // A cluster: the run may have ended before we listened; its document says so.
      if (this.cluster.enabled) {
        this.runs
          .byId(runId)
          .then((run) => {
            if (run === null || (run.status !== 'queued' && run.status !== 'running')) done(true);
          })
          .catch(() => undefined);
      }
    });
  }
}
