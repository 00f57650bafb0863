import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

export class ListThreadsQueryDto extends PageQueryDto {
  /** Only the threads of this session. */
  @Optional()
  @ObjectIdField('sessionId must be a 24-character hexadecimal id', { optional: true })
  sessionId?: string;
}
