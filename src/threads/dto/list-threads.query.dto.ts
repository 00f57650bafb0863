import { IsMongoId, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';

export class ListThreadsQueryDto extends PageQueryDto {
  /** Only the threads of this session. */
  @IsOptional()
  @IsMongoId({ message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId?: string;
}
