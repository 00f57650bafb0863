import { IsNumber, Max, Min } from 'class-validator';
import { Optional } from '../common/optional.js';

/** A price past this (USD per million tokens) is surely a mistake; the dearest models cost a few hundred. */
const MAX_USD_PER_MTOK = 10_000;

/** USD per million tokens, for a model no catalogue package prices (or prices wrongly for your host). */
export class PricingInputDto {
  @IsNumber()
  @Min(0)
  @Max(MAX_USD_PER_MTOK)
  inputPerMTok: number;

  @IsNumber()
  @Min(0)
  @Max(MAX_USD_PER_MTOK)
  outputPerMTok: number;

  /** Leave out when your host has no cache discount. */
  @Optional()
  @IsNumber()
  @Min(0)
  @Max(MAX_USD_PER_MTOK)
  cachedInputPerMTok?: number;
}
