import { PartialType } from '@nestjs/swagger';
import { CreateSessionDto } from './create-session.dto.js';

/** Fields to change; settings are merged into the current ones. */
export class UpdateSessionDto extends PartialType(CreateSessionDto) {}
