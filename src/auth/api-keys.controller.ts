import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { PageQueryDto } from '../common/dto/page-query.dto.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto, UpdateApiKeyDto } from './dto/create-api-key.dto.js';
import { ApiKeyDetailDto, ApiKeyPageDto, CreatedApiKeyResponseDto } from './dto/api-key.response.dto.js';
import { AdminOnly, CurrentPrincipal, type Principal } from './principal.js';

@ApiTags('API keys')
@ApiStandardErrors({ adminOnly: true })
@AdminOnly()
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Creates an API key. The key is in this response only; store it. */
  @Post()
  create(@CurrentPrincipal() actor: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.keys.create(actor, dto);
  }

  /** Lists keys, newest first (hashes and keys are never shown). */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<InstanceType<typeof ApiKeyPageDto>> {
    return this.keys.list(principal, query.limit, query.cursor);
  }

  /** One key: its limits and what it has spent today, this month and in total (USD), and holds in flight. */
  @Get(':id')
  get(@ObjectIdParam('id') id: string): Promise<ApiKeyDetailDto> {
    return this.keys.get(id);
  }

  /**
   * Renames a key or sets its limits: allowed models (ids or `*` patterns), USD per day, per
   * month and in total, requests and tokens per minute. A limit left out stays; `null` removes it.
   */
  @Patch(':id')
  update(
    @CurrentPrincipal() actor: Principal,
    @ObjectIdParam('id') id: string,
    @Body() dto: UpdateApiKeyDto,
  ): Promise<ApiKeyDetailDto> {
    return this.keys.update(actor, id, dto);
  }

  /** Revokes a key; requests with it get 401 at once. */
  @Delete(':id')
  @HttpCode(204)
  revoke(@CurrentPrincipal() actor: Principal, @ObjectIdParam('id') id: string): Promise<void> {
    return this.keys.revoke(actor, id);
  }
}
