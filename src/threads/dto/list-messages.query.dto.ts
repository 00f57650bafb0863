import { IsMongoId, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';

export class ListMessagesQueryDto extends PageQueryDto {
  /** A message id: list only the branch from the thread's first message down to this one. */
  @IsOptional()
  @IsMongoId({ message: 'branch must be the 24-character hexadecimal id of a message' })
  branch?: string;
}
