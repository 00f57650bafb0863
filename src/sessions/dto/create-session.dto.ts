import { Type } from 'class-transformer';
import { IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { SessionSettingsDto } from './session-settings.dto.js';

export class CreateSessionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  /** Your application's own id for its end user, to filter sessions by later. */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  userId?: string;

  @Optional()
  @ValidateNested()
  @Type(() => SessionSettingsDto)
  settings?: SessionSettingsDto;
}
