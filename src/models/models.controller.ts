import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags, ApiConflictResponse } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/error-envelope.js';
import { AdminOnly, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { ListModelsQueryDto } from './dto/list-models.query.dto.js';
import { ModelTestResponseDto } from './dto/model-test.response.dto.js';
import { ModelResponseDto } from './dto/model.response.dto.js';
import { TestModelDto } from './dto/test-model.dto.js';
import { UpdateModelDto } from './dto/update-model.dto.js';
import { ModelsService } from './models.service.js';

const MODEL_ID = {
  name: 'id',
  description: 'Catalogue id (`provider/model`) with its slash URL-encoded, e.g. `openai%2Fgpt-5.4-mini`',
  schema: { type: 'string' as const, pattern: '^[a-z0-9][a-z0-9-]{0,39}/\\S+$', example: 'openai/gpt-5.4-mini' },
};

@ApiTags('Models')
@ApiStandardErrors()
@Controller('api/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** The catalogue: filter by provider, capability, role or availability; `domain` sorts by strength there. */
  @Get()
  list(@Query() query: ListModelsQueryDto): Promise<ModelResponseDto[]> {
    return this.models.list(query);
  }

  @Get(':id')
  @ApiParam(MODEL_ID)
  get(@Param('id') id: string): Promise<ModelResponseDto> {
    return this.models.get(id);
  }

  /** Admin: enable or disable, set priority, specialties, quality prior, roles or a price; `null` reverts a field. */
  @Patch(':id')
  @AdminOnly()
  @ApiParam(MODEL_ID)
  update(
    @CurrentPrincipal() actor: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateModelDto,
  ): Promise<ModelResponseDto> {
    return this.models.update(actor, id, dto);
  }

  /** Admin: one real, minimal call to the model; returns latency, usage and cost. 409 if its provider is not configured. */
  @Post(':id/test')
  @HttpCode(200)
  @AdminOnly()
  @ApiParam(MODEL_ID)
  @ApiConflictResponse({ type: ErrorEnvelope, description: "The model's provider is not configured." })
  test(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: TestModelDto,
  ): Promise<ModelTestResponseDto> {
    return this.models.test(principal, id, dto);
  }
}
