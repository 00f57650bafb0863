import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class TestModelDto {
  /** What to send; a one-word request by default. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  prompt?: string;

  /** Output ceiling of the test call. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1024)
  maxTokens?: number;
}
