import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { Optional } from '../optional.js';
import { ObjectIdField } from '../parse-object-id.pipe.js';

export const MAX_PAGE_SIZE = 100;

export class PageQueryDto {
  /** Items per page. */
  @ApiPropertyOptional({ type: 'integer' })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  /** The `nextCursor` of the previous page; omit it for the first page. */
  @Optional()
  @ObjectIdField('cursor must be the nextCursor value of a previous page', { optional: true })
  cursor?: string;
}
