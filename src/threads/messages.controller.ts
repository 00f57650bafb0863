import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors, ENDED_SESSION } from '../common/api-errors.decorator.js';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { ListMessagesQueryDto } from './dto/list-messages.query.dto.js';
import { MessagePageDto, MessageResponseDto } from './dto/message.response.dto.js';
import { MessagesService } from './messages.service.js';
import type { IdSource } from '../common/id-source.js';
import { CreateIds, Idempotent } from '../idempotency/idempotent.decorator.js';

@ApiTags('Messages')
@ApiStandardErrors()
@Controller('api/threads/:threadId/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /** Adds a message to a thread of an active session. */
  @Post()
  @Idempotent(ENDED_SESSION)
  post(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('threadId') threadId: string,
    @Body() dto: CreateMessageDto,
    @CreateIds() ids: IdSource,
  ): Promise<MessageResponseDto> {
    return this.messages.post(principal, threadId, dto, ids);
  }

  /** Lists a thread's messages oldest first; with `branch`, only the path down to that message. */
  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @ObjectIdParam('threadId') threadId: string,
    @Query() query: ListMessagesQueryDto,
  ): Promise<InstanceType<typeof MessagePageDto>> {
    return this.messages.list(principal, threadId, query);
  }
}
