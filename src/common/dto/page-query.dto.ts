import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;

export class PageQueryDto {
  /** Items per page. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  /** The `nextCursor` of the previous page; omit it for the first page. */
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'cursor must be the nextCursor value of a previous page' })
  cursor?: string;
}
