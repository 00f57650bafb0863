import { Controller, Get, Headers, Ip, NotFoundException, Query, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiForbiddenResponse, ApiTags } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/error-envelope.js';
import type { FastifyReply } from 'fastify';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { presentedKey } from '../auth/key-check.js';
import { CurrentPrincipal, Public, type Principal } from '../auth/principal.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { AppConfig } from '../config/app-config.js';
import { AnalyticsService } from './analytics.service.js';
import {
  CostReportDto,
  LeaderboardDto,
  ModelsQueryDto,
  OrchestrationReportDto,
  ToolReportDto,
  RangeQueryDto,
  SessionUsageDto,
  UsageQueryDto,
  UsageReportDto,
} from './dto/analytics.dto.js';
import { MetricsService } from './metrics.service.js';

/** A user key sees its own numbers; an admin key everyone's, or one owner's with `ownerId`. */
@ApiTags('Analytics')
@ApiStandardErrors()
@ApiForbiddenResponse({ type: ErrorEnvelope, description: 'A user key named another owner in ownerId.' })
@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  /** Calls, tokens, cost, error rate, latency (mean, p50, p95, p99) and mean time to first token per group. */
  @Get('usage')
  usage(@CurrentPrincipal() principal: Principal, @Query() query: UsageQueryDto): Promise<UsageReportDto> {
    return this.analytics.usage(principal, query);
  }

  /** Totals and the breakdown by provider, model and session; calls of unknown price counted apart. */
  @Get('costs')
  costs(@CurrentPrincipal() principal: Principal, @Query() query: RangeQueryDto): Promise<CostReportDto> {
    return this.analytics.costs(principal, query);
  }

  /** The model leaderboard, optionally for one domain. */
  @Get('models')
  models(@CurrentPrincipal() principal: Principal, @Query() query: ModelsQueryDto): Promise<LeaderboardDto> {
    return this.analytics.models(principal, query);
  }

  /** Per strategy: runs, outcomes, iterations, first and final scores, threshold-met rate, cost and latency. */
  @Get('orchestration')
  orchestration(
    @CurrentPrincipal() principal: Principal,
    @Query() query: RangeQueryDto,
  ): Promise<OrchestrationReportDto> {
    return this.analytics.orchestration(principal, query);
  }

  /** Per MCP tool: calls, errors by class and durations (p50, p95, p99 from histogram buckets). */
  @Get('tools')
  tools(@CurrentPrincipal() principal: Principal, @Query() query: RangeQueryDto): Promise<ToolReportDto> {
    return this.analytics.tools(principal, query);
  }

  /** One session's totals. */
  @Get('sessions/:id')
  session(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<SessionUsageDto> {
    return this.analytics.session(principal, id);
  }
}

/** GET /metrics in Prometheus' text format, for an admin key or the METRICS_TOKEN. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly keys: ApiKeysService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiExcludeEndpoint()
  async scrape(
    @Headers() headers: Record<string, string | undefined>,
    @Ip() address: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.config.metrics.enabled) throw new NotFoundException('Metrics are turned off (METRICS_ENABLED=false)');
    const key = presentedKey(headers);
    const token = this.config.metrics.token;
    const allowed =
      key !== undefined &&
      ((token !== undefined && key === token) || (await this.keys.authenticate(key, address))?.role === 'admin');
    if (!allowed)
      throw new UnauthorizedException('Metrics need an admin key or METRICS_TOKEN as "Authorization: Bearer <key>"');
    void reply.header('content-type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
