import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ApiStandardErrors, ENDED_SESSION } from '../common/api-errors.decorator.js';
import { PageOf, type Page } from '../common/pagination.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { OrchestrateDto, OrchestrateQueryDto } from './dto/orchestrate.dto.js';
import { ListRunsQueryDto, RunEventsQueryDto } from './dto/run-queries.dto.js';
import { RunCreatedDto, RunEventDto, RunResponseDto, RunSummaryDto } from './dto/run.response.dto.js';
import { StrategyListDto, toStrategyList } from './dto/strategy.response.dto.js';
import { RunEventBus } from './events/run-event-bus.js';
import { OrchestrationService } from './orchestration.service.js';
import { streamRunEvents } from './sse.js';
import type { IdSource } from '../common/id-source.js';
import { CreateIds, Idempotent } from '../idempotency/idempotent.decorator.js';

const wantsEvents = (accept: string | undefined) => accept?.includes('text/event-stream') === true;

@ApiTags('Orchestration')
@ApiStandardErrors()
@Controller('api/orchestrate')
export class OrchestrationController {
  constructor(
    private readonly orchestration: OrchestrationService,
    private readonly bus: RunEventBus,
  ) {}

  /**
   * Starts a run: 202 `{ runId, threadId, status }`. With `?wait=true`, answers when the run ends
   * (200 with the whole run; 202 with the run as it stands if ORCHESTRATE_WAIT_MS passes first).
   * With `Accept: text/event-stream`, streams the run's events as SSE until it ends.
   */
  @Post()
  @Idempotent(ENDED_SESSION)
  @ApiAcceptedResponse({ type: RunCreatedDto })
  @ApiOkResponse({ type: RunResponseDto, description: 'With ?wait=true, once the run has ended.' })
  @ApiProduces('application/json', 'text/event-stream')
  async start(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: OrchestrateDto,
    @Query() query: OrchestrateQueryDto,
    @Headers('accept') accept: string | undefined,
    @CreateIds() ids: IdSource,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const created = await this.orchestration.start(principal, dto, ids);
    if (wantsEvents(accept)) return streamRunEvents(reply, this.bus, created.runId, 0);
    if (query.wait !== true) return void reply.code(202).send(created);
    const ended = await this.orchestration.waitForEnd(created.runId);
    return void reply.code(ended ? 200 : 202).send(await this.orchestration.get(principal, created.runId));
  }

  /** Each strategy with the roles its team has and the options it reads: their defaults and limits. */
  @Get('strategies')
  @ApiOkResponse({ type: StrategyListDto })
  strategies(): StrategyListDto {
    return toStrategyList();
  }

  /** Your runs, newest first (without their steps). */
  @Get('runs')
  @ApiOkResponse({ type: PageOf(RunSummaryDto, 'RunSummaryPage') })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListRunsQueryDto): Promise<Page<RunSummaryDto>> {
    return this.orchestration.list(principal, query);
  }

  /** One run with every step: full text, model, role, tokens, cost, latency, scores and prompt. */
  @Get('runs/:id')
  get(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<RunResponseDto> {
    return this.orchestration.get(principal, id);
  }

  /** The run's events after `after` in order; with `Accept: text/event-stream`, then the live ones as SSE. */
  @Get('runs/:id/events')
  @ApiOkResponse({ type: RunEventDto, isArray: true })
  @ApiProduces('application/json', 'text/event-stream')
  async events(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('id') id: string,
    @Query() query: RunEventsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (wantsEvents(accept)) {
      await this.orchestration.require(principal, id);
      return streamRunEvents(reply, this.bus, id, query.after);
    }
    return void reply.send(await this.orchestration.events(principal, id, query));
  }

  /** Aborts the run's model calls at once; it ends `cancelled`. 409 when it is not running. */
  @Post('runs/:id/cancel')
  @HttpCode(200)
  cancel(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<RunSummaryDto> {
    return this.orchestration.cancel(principal, id);
  }
}
