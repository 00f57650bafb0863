import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { readFileSync } from 'node:fs';
import { DOMAINS, type Domain } from '../common/domains.js';
import {
  CAPABILITIES,
  MODEL_ROLES,
  type Capability,
  type CatalogueEntry,
  type ModelRole,
  type Specialties,
} from './catalogue-entry.js';
import { PricingInputDto } from './pricing-input.dto.js';
import { PROVIDER_DEFINITIONS, type ProviderSettings } from './providers.config.js';

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

class FileProvider {
  @IsString()
  @Matches(ID, { message: 'must be lower-case letters, digits and dashes (at most 40)' })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  baseUrl: string;

  @IsOptional()
  @IsIn(['openai', 'anthropic'])
  protocol?: 'openai' | 'anthropic';

  /** The environment variable holding the key: the file itself never carries a secret. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]*$/, { message: 'must name an environment variable (A-Z, 0-9, _)' })
  apiKeyVariable?: string;
}

class FilePriceReference {
  @IsIn(['genai-prices', 'models.dev'])
  catalogue: 'genai-prices' | 'models.dev';

  @IsString()
  @MinLength(1)
  provider: string;

  @IsOptional()
  @IsString()
  model?: string;
}

class FileModel {
  @IsString()
  @MinLength(1)
  provider: string;

  @IsString()
  @MinLength(1)
  model: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PricingInputDto)
  pricing?: PricingInputDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => FilePriceReference)
  prices?: FilePriceReference;

  @IsOptional()
  @IsInt()
  @Min(1)
  contextWindow?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  maxOutputTokens?: number;

  @IsOptional()
  @IsObject()
  specialties?: Partial<Record<Domain, number>>;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  qualityPrior?: number;

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(MODEL_ROLES, { each: true })
  roles?: ModelRole[];

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities?: Capability[];
}

class ProvidersFile {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FileProvider)
  providers: FileProvider[] = [];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FileModel)
  models: FileModel[] = [];
}

/** Model fields the file may leave out: a middling model for every domain, usable as a primary. */
const DEFAULT_STRENGTH = 0.5;

/** class-validator's errors as `path: message` lines. */
export function flatten(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((e) => {
    const here =
      path === '' ? e.property : /^\d+$/.test(e.property) ? `${path}[${e.property}]` : `${path}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => `${here}: ${message}`);
    return [...own, ...flatten(e.children ?? [], here)];
  });
}

function specialtiesOf(
  given: Partial<Record<string, unknown>> | undefined,
  at: string,
  problems: string[],
): Specialties {
  const result = Object.fromEntries(DOMAINS.map((d) => [d, DEFAULT_STRENGTH])) as Specialties;
  for (const [domain, value] of Object.entries(given ?? {})) {
    if (!(DOMAINS as readonly string[]).includes(domain)) {
      problems.push(`${at}.specialties.${domain}: not a domain (one of ${DOMAINS.join(', ')})`);
    } else if (typeof value !== 'number' || value < 0 || value > 1) {
      problems.push(`${at}.specialties.${domain}: must be a number from 0 to 1`);
    } else {
      result[domain as Domain] = value;
    }
  }
  return result;
}

/**
 * Reads the providers file (PROVIDERS_FILE): extra OpenAI-compatible endpoints and their models,
 * and extra models for built-in providers. Returns the problems found, each with its place.
 */
export function readProvidersFile(
  path: string,
  env: NodeJS.ProcessEnv,
): { providers: ProviderSettings[]; models: CatalogueEntry[]; problems: string[] } {
  const empty = { providers: [], models: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : 'cannot be read';
    return { ...empty, problems: [`PROVIDERS_FILE=${JSON.stringify(path)}: ${reason}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ...empty, problems: [`PROVIDERS_FILE=${JSON.stringify(path)}: must hold a JSON object`] };
  }
  const file = plainToInstance(ProvidersFile, raw);
  const problems = flatten(validateSync(file, { whitelist: true, forbidNonWhitelisted: true }));

  const builtIn = new Set(PROVIDER_DEFINITIONS.map((d) => d.id));
  const seen = new Set<string>();
  const providers: ProviderSettings[] = [];
  file.providers.forEach((p, i) => {
    if (builtIn.has(p.id) || seen.has(p.id)) problems.push(`providers[${i}].id: "${p.id}" is already taken`);
    seen.add(p.id);
    const apiKey = p.apiKeyVariable ? env[p.apiKeyVariable]?.trim() || undefined : undefined;
    providers.push({
      id: p.id,
      name: p.name ?? p.id,
      protocol: p.protocol ?? 'openai',
      enabled: p.apiKeyVariable === undefined || apiKey !== undefined,
      baseUrl: p.baseUrl.replace(/\/+$/, ''),
      apiKey,
      keyVariable: p.apiKeyVariable ?? null,
      listsModels: false,
    });
  });

  const ids = new Set<string>();
  const models = file.models.map((m, i): CatalogueEntry => {
    if (!builtIn.has(m.provider) && !seen.has(m.provider)) {
      problems.push(`models[${i}].provider: "${m.provider}" is neither a built-in provider nor one of this file's`);
    }
    if (ids.has(`${m.provider}/${m.model}`)) problems.push(`models[${i}]: ${m.provider}/${m.model} is listed twice`);
    ids.add(`${m.provider}/${m.model}`);
    if (m.pricing !== undefined && m.prices !== undefined) {
      problems.push(`models[${i}]: give either "pricing" or "prices", not both`);
    }
    return {
      provider: m.provider,
      model: m.model,
      name: m.name ?? m.model,
      specialties: specialtiesOf(m.specialties, `models[${i}]`, problems),
      qualityPrior: m.qualityPrior ?? DEFAULT_STRENGTH,
      roles: m.roles ?? ['primary'],
      capabilities: m.capabilities ?? [],
      prices: m.prices,
      pricing: m.pricing && {
        inputPerMTok: m.pricing.inputPerMTok,
        outputPerMTok: m.pricing.outputPerMTok,
        cachedInputPerMTok: m.pricing.cachedInputPerMTok ?? null,
        source: 'providers file',
      },
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      origin: 'providers_file',
    };
  });
  return { providers, models, problems: problems.map((p) => `PROVIDERS_FILE ${path}: ${p}`) };
}
