import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { SESSION_STATUSES, type SessionStatus } from '../session.schema.js';

export class ListSessionsQueryDto extends PageQueryDto {
  @Optional()
  @IsIn(SESSION_STATUSES)
  status?: SessionStatus;

  /** Only the sessions of this end user of your application. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  userId?: string;
}
