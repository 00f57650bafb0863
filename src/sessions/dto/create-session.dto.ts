import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { SessionSettingsDto } from './session-settings.dto.js';

export class CreateSessionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  /** Your application's own id for its end user, to filter sessions by later. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  userId?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SessionSettingsDto)
  settings?: SessionSettingsDto;
}
