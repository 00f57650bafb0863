import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../common/optional.js';
import { DOMAINS, type Domain } from '../../common/domains.js';
import { ObjectIdField } from '../../common/parse-object-id.pipe.js';

export class CreateThreadDto {
  /** The session the thread belongs to. */
  @ObjectIdField('sessionId must be a 24-character hexadecimal id', { optional: false })
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
