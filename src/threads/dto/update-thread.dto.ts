import { OmitType, PartialType } from '@nestjs/swagger';
import { RequireSome } from '../../common/require-some.js';
import { CreateThreadDto } from './create-thread.dto.js';

/** Fields to change: at least one. */
@RequireSome('title', 'domain')
export class UpdateThreadDto extends PartialType(OmitType(CreateThreadDto, ['sessionId'] as const), {
  skipNullProperties: false,
}) {}
