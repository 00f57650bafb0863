import {
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Types } from 'mongoose';
import { ownerScope, type Principal } from '../auth/principal.js';
import { IdSource } from '../common/id-source.js';
import { toPage, type Page } from '../common/pagination.js';
import { AppConfig } from '../config/app-config.js';
import { ModelsService } from '../models/models.service.js';
import { DEFAULT_SETTINGS } from '../sessions/session.schema.js';
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
import { FINAL_EVENTS } from './events/run-events.js';
import { OrchestrationEngine } from './orchestration-engine.js';
import type { RunOptions } from './run.schema.js';
import { RunsRepository, type RunRecord } from './runs.repository.js';

const DEFAULTS = { evaluators: 2, proposers: 3, layers: 1, evaluate: false, temperature: null };

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
  ) {}

  async start(principal: Principal, dto: OrchestrateDto, ids = new IdSource()): Promise<RunCreatedDto> {
    const limits = this.config.orchestration;
    if (this.engine.activeRunsOf(principal.keyId) >= limits.maxRunsPerKey) {
      throw new HttpException(
        `This API key already has ${limits.maxRunsPerKey} runs going (MAX_RUNS_PER_KEY); wait for one to end or cancel one`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (this.engine.gate.busy) {
      throw new HttpException(
        `The server has ${limits.maxInflightCalls} model calls in flight (MAX_INFLIGHT_CALLS); try again shortly`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const session = await this.sessions.requireActive(principal, dto.sessionId);
    const options = await this.resolveOptions(dto, session.settings);

    // Taken in the same order on every attempt, so an idempotent retry gives each object its id again.
    const [newThreadId, messageId, runId] = [ids.next(), ids.next(), ids.next()];
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

    const { doc: run, created } = await this.runs.insert({
      _id: runId,
      ownerId: session.ownerId,
      keyId: principal.keyId,
      sessionId: session._id,
      threadId: new Types.ObjectId(threadId),
      promptMessageId: new Types.ObjectId(message.id),
      strategy: dto.strategy ?? session.settings.defaultStrategy,
      prompt: dto.prompt,
      options,
      totals: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unknownCostCalls: 0 },
    });
    if (created) this.engine.start(run);
    return { runId: run._id.toHexString(), threadId, status: run.status };
  }

  /** Request, then session settings, then defaults; the models named must exist. */
  private async resolveOptions(
    dto: OrchestrateDto,
    settings: Awaited<ReturnType<SessionsService['requireActive']>>['settings'],
  ): Promise<RunOptions> {
    if (dto.models !== undefined) {
      const known = new Set((await this.models.items()).map((m) => m.item.id));
      const unknown = dto.models.filter((m) => !known.has(m));
      if (unknown.length > 0) {
        throw new BadRequestException(
          `models: not in the catalogue: ${unknown.join(', ')} (GET /api/models lists them)`,
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
      evaluators: dto.evaluators ?? DEFAULTS.evaluators,
      proposers: dto.proposers ?? DEFAULTS.proposers,
      layers: dto.layers ?? DEFAULTS.layers,
      evaluate: dto.evaluate ?? DEFAULTS.evaluate,
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
    if (run.status !== 'running' || !this.engine.cancel(id)) {
      throw new ConflictException(
        `run ${id} is ${run.status === 'running' ? 'not running on this server' : run.status}; only a running run can be cancelled`,
      );
    }
    await this.waitForEnd(id, 10_000);
    return toRunSummary(await this.require(principal, id));
  }

  /** Waits until the run's final event (or `ms`); true when it ended. */
  waitForEnd(runId: string, ms = this.config.orchestration.waitMs): Promise<boolean> {
    if (!this.engine.isRunning(runId) && !this.bus.isLive(runId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, ms);
      const stop = this.bus.listen(({ event }) => {
        if (event.runId !== runId || !FINAL_EVENTS.includes(event.type)) return;
        clearTimeout(timer);
        stop();
        // The final event is published before the bus stores it; the run document is already written.
        resolve(true);
      });
    });
  }
}
