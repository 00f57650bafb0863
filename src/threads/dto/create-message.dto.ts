import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { MESSAGE_ROLES, type MessageRole } from '../message.schema.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

export class CreateMessageDto {
  @IsIn(MESSAGE_ROLES)
  @ApiProperty({ enum: MESSAGE_ROLES })
  role: MessageRole;

  /** The text; at most MESSAGE_MAX_CHARS characters (413 beyond). */
  @IsString()
  @MinLength(1)
  content: string;

  /** The message this one follows; omitted, the thread's latest message. Another parent starts a branch. */
  @Optional()
  @ObjectIdField('parentId must be a 24-character hexadecimal id', { optional: true })
  parentId?: string;
}
