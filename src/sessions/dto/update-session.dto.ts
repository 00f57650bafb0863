import { PartialType } from '@nestjs/swagger';
import { RequireSome } from '../../common/require-some.js';
import { CreateSessionDto } from './create-session.dto.js';

/** Fields to change (at least one); settings are merged into the current ones. */
@RequireSome('title', 'userId', 'settings')
export class UpdateSessionDto extends PartialType(CreateSessionDto, { skipNullProperties: false }) {}
