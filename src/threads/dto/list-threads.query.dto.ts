import { Matches } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';

export class ListThreadsQueryDto extends PageQueryDto {
  /** Only the threads of this session. */
  @Optional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId?: string;
}
