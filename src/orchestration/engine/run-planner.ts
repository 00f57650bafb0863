import { Injectable } from '@nestjs/common';
import { AnalyticsService } from '../../analytics/analytics.service.js';
import type { Domain } from '../../common/domains.js';
import { countChatTokens, TokenTally } from '../../common/tokens.js';
import { KeyLimitsService } from '../../auth/limits/key-limits.service.js';
import { ModelsService } from '../../models/models.service.js';
import { costBound } from '../../models/cost-bound.js';
import type { ChatMessage } from '../../providers/provider.types.js';
import { MessagesService } from '../../threads/messages.service.js';
import { RunEventBus } from '../events/run-event-bus.js';
import { RunsRepository, type RunRecord } from '../runs.repository.js';
import { classifyPrompt } from './domain-classifier.js';
import { rankCandidates, type Candidate } from './model-selector.js';
import { answerPrompt } from './prompts.js';
import { NoModelError, planTeam, teamIds, type Team } from './team.js';

const DEFAULT_CONTEXT_WINDOW = 32_768;
/** Room kept in the context window for instructions and critiques around the history. */
const PROMPT_OVERHEAD_TOKENS = 1024;
const CANDIDATES_SHOWN = 8;

/** What a run is to work with once planned. */
export interface RunPlan {
  domain: Domain;
  team: Team;
  /** The thread's earlier messages that fit every member's context window. */
  history: ChatMessage[];
}

/** The team a run had before it was taken over, when every member is still a candidate. */
function restoreTeam(stored: Record<string, string[]>, ranked: Candidate[]): Team | null {
  const byId = new Map(ranked.map((c) => [c.item.id, c]));
  const team: Team = { primary: [], evaluators: [], proposers: [], aggregator: [], ladder: [], fallbacks: [] };
  for (const [role, ids] of Object.entries(stored)) {
    if (!(role in team)) return null;
    const members = ids.map((id) => byId.get(id));
    if (members.some((m) => m === undefined)) return null;
    team[role as keyof Team] = members as Candidate[];
  }
  return team;
}

/** The thread's history, newest first, as much as fits the smallest context window of the team. */
function fitHistory(history: ChatMessage[], team: Team, maxTokens: number, prompt: string): ChatMessage[] {
  const members = (Object.values(team) as Candidate[][]).flat();
  const windows = members.map((c) => c.item.contextWindow).filter((w): w is number => w !== null);
  const window = windows.length > 0 ? Math.min(...windows) : DEFAULT_CONTEXT_WINDOW;
  const tally = new TokenTally();
  let room = window - maxTokens - tally.count(prompt) - PROMPT_OVERHEAD_TOKENS;
  const kept: ChatMessage[] = [];
  for (const message of [...history].reverse()) {
    room -= tally.count(message.content) + 3;
    if (room < 0) break;
    kept.unshift(message);
  }
  return kept;
}

/**
 * Plans a run before its first call: the prompt's domain, the ranked candidates, the team the
 * strategy needs (a run taken over keeps its own) and the history that fits; each decision is
 * stored on the run and announced.
 */
@Injectable()
export class RunPlanner {
  constructor(
    private readonly models: ModelsService,
    private readonly analytics: AnalyticsService,
    private readonly messages: MessagesService,
    private readonly runs: RunsRepository,
    private readonly bus: RunEventBus,
    private readonly limits: KeyLimitsService,
  ) {}

  /** @param onDomain hears the domain as soon as it is known (a run may still fail to find a team). */
  async plan(run: RunRecord, onDomain: (domain: Domain) => void): Promise<RunPlan> {
    const runId = run._id.toHexString();
    const conversation = await this.messages.conversation(run.ownerId, run.threadId, run.promptMessageId.toHexString());
    const earlier: ChatMessage[] = conversation.slice(0, -1).map((m) => ({ role: m.role, content: m.content }));

    const { domain, complexity, reasons } = classifyPrompt(run.prompt);
    onDomain(domain);
    await this.runs.update(run._id, { domain, complexity, domainReasons: reasons });
    this.bus.publish(runId, 'run.domain_detected', { domain, complexity, reasons });

    const probeTokens = countChatTokens(answerPrompt(earlier, run.prompt, domain).messages.map((m) => m.content));
    // The key's allow-list: its runs use only the models it may call.
    const allowed = await this.limits.allows(run.keyId ?? null);
    const { ranked, left } = rankCandidates({
      models: await this.models.items(),
      allowed,
      domain,
      complexity,
      preferred: run.options.preferredModels,
      excluded: run.options.excludedModels,
      only: run.options.models ?? undefined,
      costLimitUsd: run.options.costLimitUsd,
      estimateUsd: (item) => costBound([item], probeTokens, run.options.maxTokens).usd,
      observed: await this.analytics.observed(),
    });
    let team: Team;
    const notes: string[] = [];
    try {
      // A run taken over keeps its team, so that its stored steps answer the same calls.
      team =
        (run.steps.length > 0 ? restoreTeam(run.team, ranked) : null) ??
        planTeam(run.strategy, ranked, run.options, domain, notes);
    } catch (error) {
      const why = left.slice(0, 6).map((l) => `${l.modelId}: ${l.reason}`);
      throw error instanceof NoModelError && why.length > 0
        ? new NoModelError(`${error.message} (${why.join('; ')})`)
        : error;
    }
    const candidates = ranked
      .slice(0, CANDIDATES_SHOWN)
      .map((c) => ({ modelId: c.item.id, score: c.score, reasons: c.reasons }));
    await this.runs.update(run._id, { candidates, team: teamIds(team), teamNotes: notes });
    this.bus.publish(runId, 'run.model_selected', { candidates, team: teamIds(team), notes });

    return { domain, team, history: fitHistory(earlier, team, run.options.maxTokens, run.prompt) };
  }
}
