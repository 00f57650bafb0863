import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import { RUN_STATUSES, type RunStatus } from '../events/run-events.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

export class ListRunsQueryDto extends PageQueryDto {
  @Optional()
  @ObjectIdField('sessionId must be a 24-character hexadecimal id', { optional: true })
  sessionId?: string;

  @Optional()
  @ObjectIdField('threadId must be a 24-character hexadecimal id', { optional: true })
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
