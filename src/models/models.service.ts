import { ConflictException, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import type { Domain } from '../common/domains.js';
import type { Principal } from '../auth/principal.js';
import { AppConfig } from '../config/app-config.js';
import { enableHint } from '../config/providers.config.js';
import { ProvidersService } from '../providers/providers.service.js';
import { catalogueId, type CatalogueEntry, type Pricing } from '../config/catalogue-entry.js';
import { CURATED_MODELS } from './curated-models.js';
import type { ListModelsQueryDto } from './dto/list-models.query.dto.js';
import type { ModelTestResponseDto } from './dto/model-test.response.dto.js';
import type { Availability, CatalogueItem, UnavailableReason } from './catalogue-item.js';
import { toModelResponse, type ModelResponseDto } from './dto/model.response.dto.js';
import type { TestModelDto } from './dto/test-model.dto.js';
import type { UpdateModelDto } from './dto/update-model.dto.js';
import type { ModelOverrides } from './model.schema.js';
import { AuditService } from '../audit/audit.service.js';
import { ModelsRepository, type CatalogueRecord, type SeedFields } from './models.repository.js';
import { ModelCaller } from './model-caller.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { lookUpCatalogue } from './price-catalogues.js';

const TEST_PROMPT = 'Reply with the single word OK.';
const CATALOGUE_TTL_MS = 5000;

function applyOverrides(record: CatalogueRecord): CatalogueItem {
  const o = record.overrides ?? {};
  return {
    id: record._id,
    provider: record.provider,
    model: record.model,
    name: record.name,
    origin: record.origin,
    kind: record.kind ?? 'chat',
    enabled: o.enabled ?? true,
    priority: o.priority ?? 0,
    specialties: { ...record.specialties, ...o.specialties },
    qualityPrior: o.qualityPrior ?? record.qualityPrior,
    roles: o.roles ?? record.roles,
    capabilities: record.capabilities,
    contextWindow: record.contextWindow,
    maxOutputTokens: record.maxOutputTokens,
    pricing: o.pricing ?? record.pricing,
    pricingNote: o.pricing ? null : record.pricingNote,
    overridden: Object.keys(o) as (keyof ModelOverrides)[],
  };
}

function seedFieldsOf(entry: CatalogueEntry, now: Date): SeedFields {
  const facts = entry.pricing
    ? {
        pricing: {
          ...entry.pricing,
          tiers: entry.pricing.tiers ?? [],
          source: entry.pricing.source ?? 'providers file',
        },
        note: null,
        contextWindow: null,
        maxOutputTokens: null,
      }
    : lookUpCatalogue(entry.prices, entry.model, now, entry.kind);
  return {
    _id: catalogueId(entry),
    provider: entry.provider,
    model: entry.model,
    name: entry.name,
    origin: entry.origin,
    kind: entry.kind ?? 'chat',
    specialties: entry.specialties,
    qualityPrior: entry.qualityPrior,
    roles: entry.roles,
    capabilities: entry.capabilities,
    pricing: facts.pricing,
    pricingNote: facts.pricing === null ? facts.note : null,
    contextWindow: entry.contextWindow ?? facts.contextWindow,
    maxOutputTokens: entry.maxOutputTokens ?? facts.maxOutputTokens,
  };
}

interface Catalogue {
  until: number;
  items: CatalogueItem[];
  byId: Map<string, CatalogueItem>;
}

/** The model catalogue: seeding, queries, admin changes, availability and the test call. */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = new Logger(ModelsService.name);
  private cached: Catalogue | null = null;
  private reloading: Promise<Catalogue> | null = null;
  /** Bumped by every change, so that a read begun before it cannot install the old catalogue. */
  private generation = 0;

  constructor(
    private readonly models: ModelsRepository,
    private readonly providers: ProvidersService,
    private readonly config: AppConfig,
    private readonly caller: ModelCaller,
    private readonly limits: KeyLimitsService,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.seed();
  }

  /** Writes the curated file and the providers file, priced from the catalogue packages. */
  async seed(): Promise<void> {
    const entries = new Map<string, CatalogueEntry>();
    // A providers-file entry for a curated id replaces the curated one.
    for (const entry of [...CURATED_MODELS, ...this.config.extraModels]) entries.set(catalogueId(entry), entry);
    const now = new Date();
    const fields = [...entries.values()].map((entry) => seedFieldsOf(entry, now));
    await this.models.seed(fields);
    this.invalidate();
    const unpriced = fields.filter((f) => f.pricing === null).map((f) => f._id);
    this.logger.log(`Model catalogue: ${fields.length} models`);
    if (unpriced.length > 0) {
      this.logger.warn(
        `Price unknown for ${unpriced.length} models (their calls are recorded with an unknown cost; ` +
          `PATCH /api/models/:id can set one): ${unpriced.join(', ')}`,
      );
    }
  }

  availability(item: CatalogueItem): Availability {
    const cooldown = this.providers.resilience.cooldownState(item);
    let reason: UnavailableReason | null = null;
    if (this.providers.adapter(item.provider) === undefined) reason = 'provider_not_configured';
    else if (this.providers.serves(item.provider, item.model) === false) reason = 'not_on_server';
    else if (!item.enabled) reason = 'disabled';
    else if (cooldown === 'open') reason = 'cooling_down';
    return { available: reason === null, unavailableReason: reason, cooldown };
  }

  /** Every model with its availability, for selection. */
  async items(): Promise<{ item: CatalogueItem; availability: Availability }[]> {
    const { items } = await this.catalogue();
    return items.map((item) => ({ item, availability: this.availability(item) }));
  }

  /** One model with its availability (the gateway's lookup), or undefined when the catalogue has no such id. */
  async entry(id: string): Promise<{ item: CatalogueItem; availability: Availability } | undefined> {
    const item = (await this.catalogue()).byId.get(id);
    return item && { item, availability: this.availability(item) };
  }

  /**
   * The catalogue, read again in the background once CATALOGUE_TTL_MS old (the stale copy serves
   * meanwhile, so no request waits on the database): every gateway call and run needs it, and it
   * changes only at start and on PATCH (which refreshes this process at once; other processes see a
   * change within the TTL).
   */
  private async catalogue(): Promise<Catalogue> {
    const cached = this.cached;
    if (cached === null) return this.reload();
    if (cached.until <= Date.now()) {
      this.reload().catch((error: unknown) =>
        this.logger.warn(`Reading the model catalogue failed, the last copy stays: ${String(error)}`),
      );
    }
    return cached;
  }

  private reload(): Promise<Catalogue> {
    if (this.reloading !== null) return this.reloading;
    const generation = this.generation;
    const reloading = this.models.findAll().then(
      (records) => {
        const items = records.map(applyOverrides);
        const catalogue = {
          until: Date.now() + CATALOGUE_TTL_MS,
          items,
          byId: new Map(items.map((item) => [item.id, item])),
        };
        if (generation === this.generation) this.cached = catalogue;
        if (this.reloading === reloading) this.reloading = null;
        return catalogue;
      },
      (error: unknown) => {
        if (this.reloading === reloading) this.reloading = null;
        throw error;
      },
    );
    this.reloading = reloading;
    return reloading;
  }

  private invalidate(): void {
    this.generation += 1;
    this.cached = null;
    this.reloading = null;
  }

  async list(query: ListModelsQueryDto): Promise<ModelResponseDto[]> {
    const strength = (item: CatalogueItem, domain: Domain) => item.specialties[domain];
    const matching = (await this.items()).filter(
      ({ item, availability }) =>
        (query.provider === undefined || item.provider === query.provider) &&
        (query.capability === undefined || item.capabilities.includes(query.capability)) &&
        (query.kind === undefined || item.kind === query.kind) &&
        (query.role === undefined || item.roles.includes(query.role)) &&
        (query.available === undefined || availability.available === query.available),
    );
    const { domain } = query;
    if (domain !== undefined) {
      matching.sort(
        (a, b) =>
          strength(b.item, domain) - strength(a.item, domain) ||
          b.item.qualityPrior - a.item.qualityPrior ||
          b.item.priority - a.item.priority ||
          a.item.id.localeCompare(b.item.id),
      );
    }
    return matching.map(({ item, availability }) => toModelResponse(item, availability, domain));
  }

  async get(id: string): Promise<ModelResponseDto> {
    const item = await this.require(id);
    return toModelResponse(item, this.availability(item));
  }

  async update(actor: Principal, id: string, dto: UpdateModelDto): Promise<ModelResponseDto> {
    const record = await this.models.findById(id);
    if (record === null) throw this.notFound(id);
    const overrides: ModelOverrides = { ...record.overrides };
    const change = <K extends keyof ModelOverrides>(key: K, value: ModelOverrides[K] | null | undefined) => {
      if (value === null) delete overrides[key];
      else if (value !== undefined) overrides[key] = value;
    };
    change('enabled', dto.enabled);
    change('priority', dto.priority);
    change('qualityPrior', dto.qualityPrior);
    change('roles', dto.roles);
    // DTO instances carry every declared field, the ones not sent as undefined: merge only what was sent.
    const sent = dto.specialties && Object.entries(dto.specialties).filter(([, value]) => value !== undefined);
    change('specialties', sent === null ? null : sent && { ...overrides.specialties, ...Object.fromEntries(sent) });
    change(
      'pricing',
      dto.pricing &&
        ({
          inputPerMTok: dto.pricing.inputPerMTok,
          outputPerMTok: dto.pricing.outputPerMTok,
          cachedInputPerMTok: dto.pricing.cachedInputPerMTok ?? null,
          tiers: [],
          source: 'set by an admin',
        } satisfies Pricing),
    );
    const updated = await this.models.replaceOverrides(id, overrides);
    this.invalidate();
    if (updated === null) throw this.notFound(id);
    await this.audit.record(actor, 'model.updated', { type: 'model', id }, record.overrides, updated.overrides);
    const item = applyOverrides(updated);
    return toModelResponse(item, this.availability(item));
  }

  /** A real minimal call through the resilience layer (retries, cooldown; no fallback). */
  async test(principal: Principal, id: string, dto: TestModelDto): Promise<ModelTestResponseDto> {
    const item = await this.require(id);
    if (this.caller.target(item) === undefined) {
      const how = enableHint(
        this.config.providers.find((p) => p.id === item.provider),
        item.provider,
      );
      throw new ConflictException(`Provider ${item.provider} is not configured: ${how} to call ${item.id}`);
    }
    await this.limits.admit(principal.keyId);
    const { call, cost, refusal } = await this.caller.call(
      [item],
      {
        kind: 'chat',
        messages: [{ role: 'user', content: dto.prompt ?? TEST_PROMPT }],
        maxTokens: dto.maxTokens ?? 16,
      },
      new AbortController().signal,
      { ownerId: principal.ownerId, keyId: principal.keyId, role: 'test', strategy: null, domain: null },
    );
    if (refusal !== undefined) throw refusal;
    const { usage, error } = call;
    return {
      modelId: item.id,
      ok: error === null,
      latencyMs: call.latencyMs,
      timeToFirstTokenMs: call.timeToFirstTokenMs,
      attempts: call.attempts,
      text: call.text,
      finishReason: call.finishReason,
      usage,
      cost,
      error: error && { errorClass: error.errorClass, message: error.message },
    };
  }

  private async require(id: string): Promise<CatalogueItem> {
    const record = await this.models.findById(id);
    if (record === null) throw this.notFound(id);
    return applyOverrides(record);
  }

  private notFound(id: string): NotFoundException {
    return new NotFoundException(
      `Model ${id} is not in the catalogue (ids look like openai/gpt-5.4-mini; GET /api/models lists them)`,
    );
  }
}
