import { ApiProperty } from '@nestjs/swagger';

export class UsageDto {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

/** USD; every figure is null when the model's price is unknown. */
export class CostDto {
  known: boolean;
  @ApiProperty({ type: Number, nullable: true })
  totalUsd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  inputUsd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  cachedInputUsd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  outputUsd: number | null;
}

export class CallErrorDto {
  /** rate_limited, timeout, upstream_5xx, auth, bad_request, not_found, cancelled, cooling_down, network… */
  errorClass: string;
  /** The provider's own message. */
  message: string;
}

export class ModelTestResponseDto {
  modelId: string;
  /** False when the provider could not answer: see `error`. */
  ok: boolean;
  /** From sending the request to the last token, retries included. */
  latencyMs: number;
  @ApiProperty({ type: Number, nullable: true })
  timeToFirstTokenMs: number | null;
  /** Attempts made (1 when the first one answered). */
  attempts: number;
  text: string;
  @ApiProperty({ type: String, nullable: true })
  finishReason: string | null;
  @ApiProperty({ type: UsageDto, nullable: true })
  usage: UsageDto | null;
  cost: CostDto;
  @ApiProperty({ type: CallErrorDto, nullable: true })
  error: CallErrorDto | null;
}
