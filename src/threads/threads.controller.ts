import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors, ENDED_SESSION } from '../common/api-errors.decorator.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { CreateThreadDto } from './dto/create-thread.dto.js';
import { ListThreadsQueryDto } from './dto/list-threads.query.dto.js';
import { ThreadPageDto, ThreadResponseDto } from './dto/thread.response.dto.js';
import { UpdateThreadDto } from './dto/update-thread.dto.js';
import { ThreadsService } from './threads.service.js';
import type { IdSource } from '../common/id-source.js';
import { CreateIds, Idempotent } from '../idempotency/idempotent.decorator.js';

@ApiTags('Threads')
@ApiStandardErrors()
@Controller('api/threads')
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  /** Creates a thread in an active session. */
  @Post()
  @Idempotent(ENDED_SESSION)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateThreadDto,
    @CreateIds() ids: IdSource,
  ): Promise<ThreadResponseDto> {
    return this.threads.create(principal, dto, ids);
  }

  /** Lists threads newest first, all of yours or one session's. */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListThreadsQueryDto,
  ): Promise<InstanceType<typeof ThreadPageDto>> {
    return this.threads.list(principal, query);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<ThreadResponseDto> {
    return this.threads.get(principal, id);
  }

  @Patch(':id')
  update(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('id') id: string,
    @Body() dto: UpdateThreadDto,
  ): Promise<ThreadResponseDto> {
    return this.threads.update(principal, id, dto);
  }

  /** Deletes a thread with all its messages. */
  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<void> {
    return this.threads.delete(principal, id);
  }
}
