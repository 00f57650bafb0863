import { Matches } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';

export class ListMessagesQueryDto extends PageQueryDto {
  /** A message id: list only the branch from the thread's first message down to this one. */
  @Optional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'branch must be the 24-character hexadecimal id of a message' })
  branch?: string;
}
