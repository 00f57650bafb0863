import { ApiProperty } from '@nestjs/swagger';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import {
  commonOptionsOf,
  COMMON_OPTION_SPECS,
  STRATEGY_OPTIONS,
  STRATEGY_SPECS,
  defaultOf,
  type OptionSpec,
} from '../engine/strategy-catalogue.js';

export class StrategyOptionDto {
  name: string;
  /** `string[]`: a list of catalogue model ids. */
  @ApiProperty({ enum: ['integer', 'number', 'boolean', 'string', 'string[]'] })
  type: string;
  description: string;
  /** Null: none (the server makes one, or the option is off). */
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }], nullable: true })
  default: number | boolean | string | null;
  @ApiProperty({ type: Number, nullable: true })
  minimum: number | null;
  @ApiProperty({ type: Number, nullable: true })
  maximum: number | null;
}

export class StrategyDto {
  @ApiProperty({ enum: STRATEGIES })
  name: Strategy;
  summary: string;
  /** The roles of its team (the `team` of `run.model_selected`). */
  roles: string[];
  /** The least number of distinct models it runs with. */
  minModels: number;
  /** The options it reads besides the common ones; any other strategy option is refused with a 400. */
  options: StrategyOptionDto[];
  /**
   * The common options it reads (see POST /api/orchestrate): `maxIterations` and
   * `qualityThreshold` only where it loops (improve, cascade); sent to another, they do nothing.
   */
  commonOptions: string[];
}

export class StrategyListDto {
  @ApiProperty({ type: StrategyDto, isArray: true })
  data: StrategyDto[];
  /** The options any strategy may read, with their limits (each strategy's `commonOptions` names its own). */
  @ApiProperty({ type: StrategyOptionDto, isArray: true })
  commonOptions: StrategyOptionDto[];
}

const toOption = (name: string, spec: OptionSpec, defaultValue = spec.default): StrategyOptionDto => ({
  name,
  type: spec.type,
  description: spec.description,
  default: defaultValue,
  minimum: spec.minimum ?? null,
  maximum: spec.maximum ?? null,
});

export function toStrategyList(): StrategyListDto {
  return {
    data: STRATEGIES.map((name) => {
      const spec = STRATEGY_SPECS[name];
      return {
        name,
        summary: spec.summary,
        roles: [...spec.roles],
        minModels: spec.minModels,
        options: spec.options.map((o) => toOption(o, STRATEGY_OPTIONS[o], defaultOf(name, o))),
        commonOptions: commonOptionsOf(name),
      };
    }),
    commonOptions: Object.entries(COMMON_OPTION_SPECS).map(([name, spec]) => toOption(name, spec)),
  };
}
