import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

export class ListMessagesQueryDto extends PageQueryDto {
  /** A message id: list only the branch from the thread's first message down to this one. */
  @Optional()
  @ObjectIdField('branch must be the 24-character hexadecimal id of a message', { optional: true })
  branch?: string;
}
