import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min, Matches } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import { RUN_STATUSES, type RunStatus } from '../events/run-events.js';

export class ListRunsQueryDto extends PageQueryDto {
  @Optional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId?: string;

  @Optional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'threadId must be a 24-character hexadecimal id' })
  threadId?: string;

  @Optional()
  @ApiProperty({ enum: RUN_STATUSES, required: false })
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @Optional()
  @ApiProperty({ enum: STRATEGIES, required: false })
  @IsIn(STRATEGIES)
  strategy?: Strategy;
}

export class RunEventsQueryDto {
  /** Only the events after this `seq` (0: from the start). */
  @ApiPropertyOptional({ type: 'integer' })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after: number = 0;

  @ApiPropertyOptional({ type: 'integer' })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit: number = 1000;
}
