import { BadRequestException, Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import { createValidationPipe } from '../../common/validation-pipe.js';
import { ModelsService } from '../../models/models.service.js';
import { OrchestrateDto } from '../../orchestration/dto/orchestrate.dto.js';
import type { RunResponseDto } from '../../orchestration/dto/run.response.dto.js';
import type { RunEvent } from '../../orchestration/events/run-events.js';
import { OrchestrationService } from '../../orchestration/orchestration.service.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { strategyTool, TOOL_PREFIX } from './strategy-tools.js';

/** What a tool call answers: text for the agent, the same as data, and whether it is an error. */
export interface ToolAnswer {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const validation = createValidationPipe();

/** A run's event as one line of progress: what the team is doing now. */
function progressLine(event: RunEvent): string | null {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'run.domain_detected':
      return `Domain: ${String(data.domain)} (${String(data.complexity)} complexity)`;
    case 'run.model_selected':
      return `Team: ${Object.entries(data.team as Record<string, string[]>)
        .map(([role, ids]) => `${role} ${ids.join(', ')}`)
        .join('; ')}`;
    case 'step.started':
      return `${String(data.role)} ${String(data.modelId)} started (step ${String(data.stepId)})`;
    case 'step.tool_call':
      return `Step ${String(data.stepId)} calls ${String(data.tool)}`;
    case 'step.completed': {
      const step = data.step as { stepId: string; role: string; modelId: string; status: string; score: number | null };
      const score = step.score === null ? '' : `, score ${step.score}`;
      return `${step.role} ${step.modelId} ${step.status}${score} (step ${step.stepId})`;
    }
    case 'run.iteration_completed':
      return `Iteration ${String(data.iteration)} done, best score ${String(data.bestScore)}`;
    case 'run.completed':
    case 'run.failed':
    case 'run.cancelled':
      return `Run ${event.type.slice(4)}`;
    default:
      return null;
  }
}

/** The run as a tool's answer: its text, and its provenance as data. */
function answerOf(run: RunResponseDto): ToolAnswer {
  const models = [...new Set(run.steps.map((s) => s.modelId))];
  const structuredContent = {
    runId: run.id,
    status: run.status,
    strategy: run.strategy,
    answer: run.answer,
    answerModelId: run.answerModelId,
    score: run.score,
    models,
    team: run.team,
    costUsd: run.totals.costUsd,
    calls: run.totals.calls,
    steps: run.steps.map((s) => ({
      stepId: s.stepId,
      role: s.role,
      modelId: s.modelId,
      status: s.status,
      score: s.evaluation?.score ?? null,
      costUsd: s.costUsd,
      toolCalls: s.toolCalls.map((c) => ({ tool: c.tool, errorClass: c.errorClass })),
    })),
  };
  const ended = run.status === 'succeeded' || run.status === 'budget_exceeded';
  const text =
    run.answer ??
    (ended
      ? `The run ${run.id} ended ${run.status} without an answer`
      : run.status === 'running' || run.status === 'queued'
        ? `The run ${run.id} is still ${run.status}; read it later with get_run`
        : `The run ${run.id} ${run.status}: ${run.error?.message ?? 'no answer'}`);
  return {
    content: [{ type: 'text', text }],
    structuredContent,
    isError: run.status === 'failed' || run.status === 'cancelled' || run.status === 'interrupted',
  };
}

/** The calls of `/mcp`'s tools: a strategy's run (progress while it goes), the model list, a run. */
@Injectable()
export class StrategyToolCalls {
  constructor(
    private readonly orchestration: OrchestrationService,
    private readonly sessions: SessionsService,
    private readonly models: ModelsService,
  ) {}

  async call(
    principal: Principal,
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    progress?: (n: number, message: string) => void,
  ): Promise<ToolAnswer> {
    if (name === 'list_models') return this.listModels(args);
    if (name === 'get_run') {
      if (typeof args.runId !== 'string') throw new BadRequestException('runId: a run id is needed');
      return answerOf(await this.orchestration.get(principal, args.runId));
    }
    const strategy = name.slice(TOOL_PREFIX.length) as Strategy;
    if (!name.startsWith(TOOL_PREFIX) || !STRATEGIES.includes(strategy)) {
      throw new BadRequestException(`No tool named ${name}; tools/list names them`);
    }
    return this.orchestrate(principal, strategy, args, signal, progress);
  }

  private async orchestrate(
    principal: Principal,
    strategy: Strategy,
    args: Record<string, unknown>,
    signal: AbortSignal,
    progress?: (n: number, message: string) => void,
  ): Promise<ToolAnswer> {
    const inputs = Object.keys(strategyTool(strategy).inputSchema.properties);
    const unknown = Object.keys(args).filter((name) => !inputs.includes(name));
    if (unknown.length > 0) {
      throw new BadRequestException(
        `${unknown.join(', ')}: not ${unknown.length === 1 ? 'an input' : 'inputs'} of ${TOOL_PREFIX}${strategy} (it takes ${inputs.join(', ')})`,
      );
    }
    const title = `MCP: ${typeof args.prompt === 'string' ? args.prompt.slice(0, 60) : strategy}`;
    const sessionId =
      typeof args.sessionId === 'string' ? args.sessionId : (await this.sessions.create(principal, { title })).id;
    const dto = (await validation.transform(
      { ...args, sessionId, strategy },
      { type: 'body', metatype: OrchestrateDto, data: '' },
    )) as OrchestrateDto;
    const { runId } = await this.orchestration.start(principal, dto);
    let stages = 0;
    const stop = this.orchestration.follow(runId, 0, (event) => {
      const line = progressLine(event);
      if (line !== null && progress !== undefined) progress(++stages, line);
    });
    // The agent cancelled its call: the run stops too.
    const cancel = () => void this.orchestration.cancel(principal, runId).catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    try {
      await this.orchestration.waitForEnd(runId);
      await stop.replayed;
    } finally {
      stop();
      signal.removeEventListener('abort', cancel);
    }
    return answerOf(await this.orchestration.get(principal, runId));
  }

  private async listModels(args: Record<string, unknown>): Promise<ToolAnswer> {
    const all = await this.models.items();
    const models = all
      .filter(({ availability }) => args.available !== true || availability.available)
      .map(({ item, availability }) => ({
        id: item.id,
        name: item.name,
        provider: item.provider,
        kind: item.kind,
        roles: item.roles,
        available: availability.available,
      }));
    return {
      content: [{ type: 'text', text: models.map((m) => `${m.id}${m.available ? '' : ' (unavailable)'}`).join('\n') }],
      structuredContent: { models },
    };
  }
}
