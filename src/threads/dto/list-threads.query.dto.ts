import { IsMongoId, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';

export class ListThreadsQueryDto extends PageQueryDto {
  /** Only the threads of this session. */
  @IsOptional()
  @IsMongoId({ message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId?: string;
}
