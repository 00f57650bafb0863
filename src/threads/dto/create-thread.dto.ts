import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsMongoId, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { DOMAINS, type Domain } from '../../common/domains.js';

export class CreateThreadDto {
  /** The session the thread belongs to. */
  @IsMongoId({ message: 'sessionId must be a 24-character hexadecimal id' })
  sessionId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  /** Pins the thread to a domain instead of detecting it per prompt. */
  @IsOptional()
  @IsIn(DOMAINS)
  @ApiProperty({ enum: DOMAINS, required: false })
  domain?: Domain;
}
