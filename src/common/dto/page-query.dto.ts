import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { Optional } from '../optional.js';

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
  @Matches(/^[0-9a-f]{24}$/, { message: 'cursor must be the nextCursor value of a previous page' })
  cursor?: string;
}
