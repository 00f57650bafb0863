import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateThreadDto } from './create-thread.dto.js';

export class UpdateThreadDto extends PartialType(OmitType(CreateThreadDto, ['sessionId'] as const)) {}
