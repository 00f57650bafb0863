import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto.js';
import { STRATEGIES, type Strategy } from '../../sessions/session.schema.js';
import { RUN_STATUSES, type RunStatus } from '../events/run-events.js';

export class ListRunsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsMongoId({ message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId?: string;

  @IsOptional()
  @IsMongoId({ message: 'threadId must be a 24-character hexadecimal id' })
  threadId?: string;

  @IsOptional()
  @ApiProperty({ enum: RUN_STATUSES, required: false })
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @IsOptional()
  @ApiProperty({ enum: STRATEGIES, required: false })
  @IsIn(STRATEGIES)
  strategy?: Strategy;
}

export class RunEventsQueryDto {
  /** Only the events after this `seq` (0: from the start). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after: number = 0;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit: number = 1000;
}
