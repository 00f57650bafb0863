import { ApiProperty } from '@nestjs/swagger';

export class ModelCooldownDto {
  model: string;
  /** `open`: skipped until a probe is due; `half_open`: one probe call is being let through. */
  @ApiProperty({ enum: ['open', 'half_open'] })
  state: 'open' | 'half_open';
}

export class ProviderResponseDto {
  /** Catalogue prefix of the provider's models, e.g. `anthropic` in `anthropic/claude-…`. */
  id: string;
  name: string;
  /** The wire protocol its adapter speaks. */
  @ApiProperty({ enum: ['openai', 'anthropic'] })
  protocol: 'openai' | 'anthropic';
  /** True when its key (Ollama: its base URL) is configured. */
  configured: boolean;
  /** Without user info or query string. */
  baseUrl: string;
  /** The variable to set to enable it (null: it takes no key). */
  @ApiProperty({ type: String, nullable: true })
  keyVariable: string | null;
  /** Attempts among the last 100 made to this provider. */
  recentCalls: number;
  /** Share of those attempts that failed; null before the first call. */
  @ApiProperty({ type: Number, nullable: true })
  recentErrorRate: number | null;
  cooldowns: ModelCooldownDto[];
}
