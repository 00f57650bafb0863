import { Injectable } from '@nestjs/common';
import type { ModelKind } from '../config/catalogue-entry.js';
import type { CatalogueItem } from '../models/catalogue-item.js';
import { ModelCaller } from '../models/model-caller.js';
import { ModelsService } from '../models/models.service.js';
import { ModelAliasesService } from '../models/aliases/model-aliases.service.js';
import { STRATEGIES } from '../common/strategies.js';
import { OpenAiError } from './openai-error.js';
import { ORCHESTRATE } from './gateway-runs.service.js';

/** A model as `GET /v1/models` lists it. */
export interface ListedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The catalogue as the gateway reads a request's `model` (and `fallbacks`): ids to models that can answer. */
@Injectable()
export class GatewayModels {
  constructor(
    private readonly models: ModelsService,
    private readonly caller: ModelCaller,
    private readonly aliases: ModelAliasesService,
  ) {}

  /** `GET /v1/models`: the catalogue's available models, and a model per strategy (`orchestratex/<strategy>`). */
  async list(): Promise<{ object: 'list'; data: ListedModel[] }> {
    const created = Math.floor(Date.UTC(2026, 0, 1) / 1000);
    const data = (await this.models.items())
      .filter(({ availability }) => availability.available)
      .map(({ item }): ListedModel => ({ id: item.id, object: 'model', created, owned_by: item.provider }));
    for (const strategy of STRATEGIES)
      data.push({ id: `${ORCHESTRATE}${strategy}`, object: 'model', created, owned_by: 'orchestratex' });
    return { object: 'list', data };
  }

  /** A model as `GET /v1/models` lists it; one that is not listed (unknown or unavailable) is a 404. */
  async retrieve(id: string): Promise<ListedModel> {
    const found = (await this.list()).data.find((m) => m.id === id);
    if (found === undefined) {
      throw new OpenAiError(404, `The model '${id}' does not exist or is not available (GET /v1/models lists them)`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    return found;
  }

  /**
   * The id a client's name stands for: a catalogue id or `orchestratex/<strategy>` as it is, an
   * admin's alias (`PUT /api/model-aliases/{alias}`), or a bare model name (`gpt-5.4-mini`) when
   * exactly one catalogue model has it; anything else as it was (a 404 names it later).
   */
  async idOf(name: string): Promise<string> {
    if (name.includes('/')) return name;
    const aliased = await this.aliases.resolve(name);
    if (aliased !== undefined) return aliased;
    if ((await this.models.entry(name)) !== undefined) return name;
    const same = (await this.models.items()).filter(({ item }) => item.model === name);
    return same.length === 1 ? same[0].item.id : name;
  }

  /**
   * The models of `ids` (ids or bare names) that can answer, in order (duplicates once): a 404 for an id the catalogue
   * does not have, a 400 for one of another kind, and a 400 when none is available (saying why).
   */
  async resolve(ids: string[], kind: ModelKind): Promise<CatalogueItem[]> {
    const chosen: CatalogueItem[] = [];
    const unavailable: { id: string; reason: string }[] = [];
    for (const [i, name] of ids.entries()) {
      const id = await this.idOf(name);
      const entry = await this.models.entry(id);
      const param = i === 0 ? 'model' : `fallbacks[${i - 1}]`;
      if (entry === undefined) {
        throw new OpenAiError(404, `The model '${id}' does not exist (GET /v1/models lists them)`, {
          param,
          code: 'model_not_found',
        });
      }
      if (entry.item.kind !== kind) {
        throw new OpenAiError(
          400,
          entry.item.kind === 'embedding'
            ? `The model '${id}' is an embedding model: send it to POST /v1/embeddings`
            : `The model '${id}' is a chat model, not an embedding model (GET /api/models?kind=embedding lists those)`,
          { param, code: 'invalid_value' },
        );
      }
      if (this.caller.target(entry.item) === undefined || !entry.item.enabled) {
        unavailable.push({ id, reason: entry.availability.unavailableReason ?? 'disabled' });
      } else if (!chosen.some((c) => c.id === id)) chosen.push(entry.item);
    }
    if (chosen.length === 0) {
      throw new OpenAiError(
        400,
        unavailable.length === 1
          ? `The model '${unavailable[0].id}' is not available: ${unavailable[0].reason}`
          : `None of the models is available: ${unavailable.map((u) => `'${u.id}' (${u.reason})`).join(', ')}`,
        { param: 'model', code: 'model_not_available' },
      );
    }
    return chosen;
  }
}
