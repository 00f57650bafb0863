import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { PageQueryDto } from '../common/dto/page-query.dto.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { ApiKeyPageDto, CreatedApiKeyResponseDto } from './dto/api-key.response.dto.js';
import { AdminOnly, CurrentPrincipal, type Principal } from './principal.js';

@ApiTags('API keys')
@ApiStandardErrors({ adminOnly: true })
@AdminOnly()
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Creates an API key. The key is in this response only; store it. */
  @Post()
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.keys.create(dto);
  }

  /** Lists keys, newest first (hashes and keys are never shown). */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<InstanceType<typeof ApiKeyPageDto>> {
    return this.keys.list(principal, query.limit, query.cursor);
  }

  /** Revokes a key; requests with it get 401 at once. */
  @Delete(':id')
  @HttpCode(204)
  revoke(@ObjectIdParam('id') id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
