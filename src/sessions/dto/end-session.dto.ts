import { IsIn } from 'class-validator';
import { Optional } from '../../common/optional.js';

export class EndSessionDto {
  /** `completed` (default) when the work is done, `terminated` when abandoned. */
  @Optional()
  @IsIn(['completed', 'terminated'])
  status?: 'completed' | 'terminated';
}
