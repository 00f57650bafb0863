import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from '../../common/optional.js';

export class TestModelDto {
  /** What to send; a one-word request by default. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  prompt?: string;

  /** Output ceiling of the test call. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(1024)
  maxTokens?: number;
}
