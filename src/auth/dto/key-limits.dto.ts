import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { UnpricedKind } from '../limits/unpriced-items.js';
import { Optional } from '../../common/optional.js';

/** More USD than this per key and window is surely a mistake. */
const MAX_USD = 1_000_000_000;
/** More USD than this held for one file or one tool use is surely a mistake. */
const MAX_UNPRICED_USD = 1000;

const ceiling = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: Number, exclusiveMinimum: true, minimum: 0, maximum: MAX_UNPRICED_USD }),
    // Left out: not allowed; null is no ceiling at all, so it is refused (leave the kind out).
    ValidateIf((_dto: object, value: unknown) => value !== undefined),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    IsPositive(),
    Max(MAX_UNPRICED_USD),
  );

/** An allow-list of ids or `*` patterns (null: everything), at most 100; `what` opens the message. */
const allowList = (example: string[], what: string): PropertyDecorator =>
  applyDecorators(
    ApiProperty({
      type: 'array',
      items: { type: 'string', pattern: '^[\\w.:@/*-]{1,200}$' },
      maxItems: 100,
      uniqueItems: true,
      nullable: true,
      required: false,
      example,
    }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(100),
    ArrayUnique(),
    Matches(/^[\w.:@/*-]{1,200}$/, {
      each: true,
      message: `${what} or a pattern of 1-200 letters, digits or . _ : @ / * -`,
    }),
  );

/**
 * USD held per use of what a provider bills beyond tokens, by kind: `file` (a file by id or URL),
 * hosted tools by type without version or `_preview`, and `other` for any other hosted tool.
 */
export class UnpricedCeilingsDto implements Partial<Record<UnpricedKind, number>> {
  @ceiling() file?: number;
  @ceiling() web_search?: number;
  @ceiling() web_fetch?: number;
  @ceiling() file_search?: number;
  @ceiling() code_interpreter?: number;
  @ceiling() code_execution?: number;
  @ceiling() image_generation?: number;
  @ceiling() mcp?: number;
  @ceiling() other?: number;
}

/** The response cache of a key's /v1 chat completions (a request's own `x-orchestratex-cache` wins). */
export class KeyCacheDto {
  /** How long an answer is kept, 1 s to 7 days. */
  @IsInt()
  @Min(1)
  @Max(604_800)
  maxAgeSeconds: number;

  /** One cache for every key that has it shared, whatever its owner (default: the owner's own). */
  @Optional()
  @IsBoolean()
  shared?: boolean;

  /**
   * Semantic mode: a request whose prompt is this similar (cosine of the RESPONSE_CACHE_EMBEDDING_MODEL
   * vectors, 0.5 to 1) to a cached one with the same other fields gets its answer. Left out: exact match only.
   */
  @Optional()
  @IsNumber()
  @Min(0.5)
  @Max(1)
  semanticThreshold?: number;
}

/**
 * Limits to set on a key. Each field left out stays as it is; `null` removes that limit. Spend is
 * counted in USD from the catalogue's prices, per UTC day, UTC month and in total, over every
 * call made with the key (orchestration steps included).
 */
export class KeyLimitsDto {
  /**
   * The catalogue models the key may use: ids, or patterns where `*` stands for any characters
   * (`openai/*`, `*-mini`). `orchestratex/<strategy>` runs use only these. `null`: every model.
   */
  @allowList(['openai/*', 'anthropic/claude-haiku-4-5'], 'models: each must be a model id')
  models?: string[] | null;

  /**
   * The MCP tools the key's runs may use: a server id (every tool of it), `server/tool`, or a
   * pattern where `*` stands for any characters (`docs/*`, `*search*`). `null`: every registered tool.
   */
  @allowList(['everything/echo', 'docs'], 'tools: each must be a server id, server/tool')
  tools?: string[] | null;

  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 0, example: 5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_USD)
  usdPerDay?: number | null;

  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_USD)
  usdPerMonth?: number | null;

  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_USD)
  usdTotal?: number | null;

  /** Requests per minute: `/v1` requests that reach a model, runs started, model tests. */
  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 1, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rpm?: number | null;

  /** Tokens (input and output) per minute over every call of the key. */
  @ApiProperty({ type: Number, nullable: true, required: false, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  tpm?: number | null;

  /**
   * What a key with a budget may send that the provider bills beyond tokens, each with the USD held
   * per use: `file` (a file by id or URL), hosted tools by type without version (`web_search`,
   * `code_interpreter`, `file_search`…), `other` for hosted tools of any other type. Not listed:
   * refused with 403 while the key has a budget.
   */
  @ApiPropertyOptional({ type: UnpricedCeilingsDto, nullable: true, example: { file: 0.2, web_search: 0.05 } })
  @IsOptional()
  @ValidateNested()
  @Type(() => UnpricedCeilingsDto)
  unpriced?: UnpricedCeilingsDto | null;

  /**
   * Its /v1 chat completions answered from the response cache without asking (each request may
   * still send `x-orchestratex-cache: max-age=…` or `no-store`); null: only when asked.
   */
  @ApiPropertyOptional({ type: KeyCacheDto, nullable: true, example: { maxAgeSeconds: 3600 } })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyCacheDto)
  cache?: KeyCacheDto | null;
}

/** A key's limits as they stand: `null` is no limit. */
export class KeyLimitsResponseDto {
  @ApiProperty({ type: [String], nullable: true })
  models: string[] | null;
  @ApiProperty({ type: [String], nullable: true })
  tools: string[] | null;
  @ApiProperty({ type: Number, nullable: true })
  usdPerDay: number | null;
  @ApiProperty({ type: Number, nullable: true })
  usdPerMonth: number | null;
  @ApiProperty({ type: Number, nullable: true })
  usdTotal: number | null;
  @ApiProperty({ type: Number, nullable: true })
  rpm: number | null;
  @ApiProperty({ type: Number, nullable: true })
  tpm: number | null;
  @ApiProperty({ type: UnpricedCeilingsDto, nullable: true })
  unpriced: UnpricedCeilingsDto | null;
  @ApiProperty({ type: KeyCacheDto, nullable: true })
  cache: KeyCacheDto | null;
}

/** What the key has spent (USD, from the catalogue's prices) and holds in flight. */
export class KeySpendDto {
  /** The current UTC day. */
  usdToday: number;
  /** The current UTC month. */
  usdThisMonth: number;
  usdTotal: number;
  /** Held by calls in flight at their most; replaced by their real cost when they end. */
  usdHeld: number;
  /** Input and output tokens of the last minute, with those held by calls in flight. */
  tokensLastMinute: number;
}
