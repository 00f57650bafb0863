import { Type } from 'class-transformer';
import { IsIn, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { RequireSome } from '../../common/require-some.js';
import { ROLES, type Role } from '../api-key.schema.js';
import { KeyLimitsDto } from './key-limits.dto.js';

export class CreateApiKeyDto {
  /** A label to recognise the key by. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /** `user` sees only its owner's data; `admin` sees everything and manages keys. */
  @IsIn(ROLES)
  role?: Role = 'user';

  /**
   * Give the key to an existing owner (for key rotation: the new key sees the same data).
   * Omitted: the key is a new owner of its own.
   */
  @Optional()
  @IsString()
  @Matches(/^[\w.@:-]{1,100}$/, { message: 'ownerId must be 1-100 letters, digits or . _ @ : -' })
  ownerId?: string;

  /** Models, spend and rates the key is held to (none by default). */
  @Optional()
  @ValidateNested()
  @Type(() => KeyLimitsDto)
  limits?: KeyLimitsDto;
}

/** Admin changes to a key: its name, its limits (merged: a limit left out stays, `null` removes it). */
@RequireSome('name', 'limits')
export class UpdateApiKeyDto {
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @Optional()
  @ValidateNested()
  @Type(() => KeyLimitsDto)
  limits?: KeyLimitsDto;
}
