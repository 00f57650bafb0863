import { IsIn, IsOptional } from 'class-validator';

export class EndSessionDto {
  /** `completed` (default) when the work is done, `terminated` when abandoned. */
  @IsOptional()
  @IsIn(['completed', 'terminated'])
  status?: 'completed' | 'terminated';
}
