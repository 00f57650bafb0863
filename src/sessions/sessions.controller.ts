import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiTags } from '@nestjs/swagger';
import { ErrorEnvelope } from '../common/error-envelope.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { EndSessionDto } from './dto/end-session.dto.js';
import { ListSessionsQueryDto } from './dto/list-sessions.query.dto.js';
import { SessionPageDto, SessionResponseDto } from './dto/session.response.dto.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { SessionsService } from './sessions.service.js';
import type { IdSource } from '../common/id-source.js';
import { CreateIds, Idempotent } from '../idempotency/idempotent.decorator.js';

@ApiTags('Sessions')
@ApiStandardErrors()
@Controller('api/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Opens a session; omitted settings take their defaults. */
  @Post()
  @Idempotent()
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateSessionDto,
    @CreateIds() ids: IdSource,
  ): Promise<SessionResponseDto> {
    return this.sessions.create(principal, dto, ids);
  }

  /** Lists your sessions, newest first, with cursor pagination. */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSessionsQueryDto,
  ): Promise<InstanceType<typeof SessionPageDto>> {
    return this.sessions.list(principal, query);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<SessionResponseDto> {
    return this.sessions.get(principal, id);
  }

  /** Changes the title, userId or settings (merged into the current settings). */
  @Patch(':id')
  update(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('id') id: string,
    @Body() dto: UpdateSessionDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.update(principal, id, dto);
  }

  /** Ends a session: no new threads or messages can be added to it afterwards. */
  @Post(':id/end')
  @HttpCode(200)
  @ApiConflictResponse({ type: ErrorEnvelope, description: 'The session has ended already.' })
  end(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('id') id: string,
    @Body() dto: EndSessionDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.end(principal, id, dto);
  }
}
