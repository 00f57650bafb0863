import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { AuditService } from '../../audit/audit.service.js';
import { STRATEGIES } from '../../common/strategies.js';
import { ModelsService } from '../models.service.js';
import { toModelAlias, type ModelAliasDto, type SetModelAliasDto } from '../dto/model-alias.dto.js';
import { ModelAliasesRepository } from './model-aliases.repository.js';

/** Letters, digits and . _ : @ - (no slash: an alias never hides a catalogue id). */
export const ALIAS = /^[A-Za-z0-9][\w.:@-]{0,99}$/;
/** How long a process serves its copy of the aliases: another instance's change is seen within it. */
const ALIASES_TTL_MS = 5_000;

/**
 * Admin-defined names for models (`fast` → `openai/gpt-5.4-mini`, `best` → `orchestratex/council`),
 * which the /v1 gateway reads before the catalogue; every change is in the audit trail.
 */
@Injectable()
export class ModelAliasesService {
  private cached: { map: Map<string, string>; until: number } | null = null;

  constructor(
    private readonly aliases: ModelAliasesRepository,
    private readonly models: ModelsService,
    private readonly audit: AuditService,
  ) {}

  /** The id `name` stands for, when it is an alias. */
  async resolve(name: string): Promise<string | undefined> {
    if (this.cached === null || this.cached.until <= Date.now()) {
      const all = await this.aliases.all();
      this.cached = { map: new Map(all.map((a) => [a._id, a.modelId])), until: Date.now() + ALIASES_TTL_MS };
    }
    return this.cached.map.get(name);
  }

  async list(): Promise<ModelAliasDto[]> {
    return (await this.aliases.all()).map(toModelAlias);
  }

  async set(actor: Principal, alias: string, dto: SetModelAliasDto): Promise<ModelAliasDto> {
    this.check(alias);
    const strategy = dto.modelId.startsWith('orchestratex/') ? dto.modelId.slice('orchestratex/'.length) : null;
    const known =
      strategy !== null ? STRATEGIES.some((s) => s === strategy) : (await this.models.entry(dto.modelId)) !== undefined;
    if (!known) {
      // Like a run naming a session that is not there: what the body refers to is not found.
      throw new NotFoundException(
        `modelId: ${dto.modelId} is neither a catalogue id (GET /api/models) nor orchestratex/<strategy>`,
      );
    }
    const before = await this.aliases.byId(alias);
    const stored = await this.aliases.set(alias, dto.modelId);
    this.cached = null;
    await this.audit.record(actor, 'alias.set', { type: 'alias', id: alias }, before && { modelId: before.modelId }, {
      modelId: stored.modelId,
    });
    return toModelAlias(stored);
  }

  async remove(actor: Principal, alias: string): Promise<void> {
    this.check(alias);
    const before = await this.aliases.byId(alias);
    if (before === null || !(await this.aliases.remove(alias))) {
      throw new NotFoundException(`alias ${alias} not found`);
    }
    this.cached = null;
    await this.audit.record(actor, 'alias.deleted', { type: 'alias', id: alias }, { modelId: before.modelId }, null);
  }

  private check(alias: string): void {
    if (!ALIAS.test(alias)) {
      throw new BadRequestException(
        'alias must be 1-100 letters, digits or . _ : @ - (no slash), starting with a letter or digit',
      );
    }
  }
}
