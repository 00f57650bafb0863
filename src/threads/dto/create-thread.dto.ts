import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength, Matches } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { DOMAINS, type Domain } from '../../common/domains.js';

export class CreateThreadDto {
  /** The session the thread belongs to. */
  @Matches(/^[0-9a-f]{24}$/, { message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  /** Pins the thread to a domain instead of detecting it per prompt. */
  @Optional()
  @IsIn(DOMAINS)
  @ApiProperty({ enum: DOMAINS, required: false })
  domain?: Domain;
}
