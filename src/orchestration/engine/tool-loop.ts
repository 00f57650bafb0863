import { SpanKind, SpanStatusCode, withSpan } from '../../common/tracing.js';
import type { ToolBox } from '../../mcp/tool-box.js';
import type { ConversationMessage, NormalizedUsage, ToolCall, ToolDefinition } from '../../providers/provider.types.js';
import type { RunEventPayloads, StepRole } from '../events/run-events.js';
import type { StepToolCall, StoredToolCall } from '../run.schema.js';

/** Roles that write an answer: they get the run's tools; the others judge (tools only with `judgeTools`). */
const WRITERS: ReadonlySet<StepRole> = new Set(['primary', 'proposer', 'refiner', 'debater']);

/** Whether a step of `role` is offered the run's tools. */
export function toolsGoTo(
  role: StepRole,
  box: ToolBox | null | undefined,
  judgeTools: boolean | undefined,
): box is ToolBox {
  return box !== null && box !== undefined && box.offered.length > 0 && (WRITERS.has(role) || judgeTools === true);
}

/** A stored call as its step keeps it. */
export const stepToolCall = (c: StoredToolCall): StepToolCall => ({
  turn: c.turn,
  callId: c.callId,
  tool: c.tool,
  arguments: c.arguments,
  result: c.result,
  errorClass: c.errorClass,
  durationMs: c.durationMs,
  truncated: c.truncated,
});

/**
 * An answer as a judge is shown it: its text, then the tools its writer called and what they gave,
 * so a judge can tell an answer grounded in a tool's result from one that is not.
 */
export function shownToJudges(step: { text: string; toolCalls?: StepToolCall[] }): string {
  const calls = step.toolCalls ?? [];
  if (calls.length === 0) return step.text;
  const lines = calls.map(
    (c, i) =>
      `${i + 1}. ${c.tool}(${c.arguments}) → ${c.errorClass === null ? '' : `[${c.errorClass}] `}${c.result.slice(0, 2000)}`,
  );
  return `${step.text}\n\n[The tools its writer called, and what they returned]\n${lines.join('\n')}`;
}

/** A model turn that called tools, as the loop feeds it back: the model's own message, then each result. */
interface Turn {
  turn: number;
  text: string;
  calls: ToolCall[];
  /** Results by call id (every call of a finished turn has one). */
  results: Map<string, StoredToolCall>;
}

/** The model turn whose tool calls the loop runs now. */
export interface ModelTurn {
  stepId: string;
  modelId: string;
  text: string;
  calls: ToolCall[];
  usageId: string | null;
  usage: NormalizedUsage | null;
  costUsd: number | null;
  latencyMs: number;
}

export interface ToolLoopHooks {
  /** Stores one call's result (the run's single writer); resolves once stored, before the model sees it. */
  store(call: StoredToolCall): Promise<void>;
  publish<K extends 'step.tool_call' | 'step.tool_result'>(type: K, data: RunEventPayloads[K]): void;
}

/**
 * One step's tool loop: the turns so far (those an earlier process stored, on a takeover, then
 * this one's), the tools offered, and the calls left. A turn's calls run one after another; each
 * result is stored before the next model turn sees it, and a stored result is never asked for
 * again (a takeover rebuilds the conversation from them instead of calling the model and the
 * tools once more).
 */
export class ToolLoop {
  private readonly turns: Turn[] = [];

  constructor(
    /** The step's call key and occurrence: what its stored tool calls are found by. */
    readonly key: string,
    private readonly box: ToolBox,
    private readonly maxCalls: number,
    private readonly hooks: ToolLoopHooks,
    stored: StoredToolCall[] = [],
  ) {
    for (const call of [...stored].sort((a, b) => a.turn - b.turn || a.index - b.index)) {
      let turn = this.turns.find((t) => t.turn === call.turn);
      if (turn === undefined) {
        turn = { turn: call.turn, text: call.turnText, calls: call.turnCalls, results: new Map() };
        this.turns.push(turn);
      }
      turn.results.set(call.callId, call);
    }
  }

  /** Calls made (or refused past the limit) so far, over every turn. */
  get callsMade(): number {
    return this.turns.reduce((n, t) => n + t.calls.length, 0);
  }

  get definitions(): ToolDefinition[] {
    return this.box.definitions;
  }

  /** `none` once the step's calls are spent: the model must answer from what it has. */
  get choice(): 'auto' | 'none' {
    return this.callsMade >= this.maxCalls ? 'none' : 'auto';
  }

  /** Text the model wrote beside its tool calls, before its answer. */
  get textSoFar(): string {
    return this.turns.map((t) => t.text).join('');
  }

  /** Every call of the step with its result, in order (what the step stores and judges see). */
  get calls(): StoredToolCall[] {
    return this.turns.flatMap((t) => t.calls.flatMap((c) => t.results.get(c.id) ?? []));
  }

  /** The turns so far as messages after the prompt: each assistant turn with its calls, then their results. */
  messages(): ConversationMessage[] {
    return this.turns.flatMap((t): ConversationMessage[] => [
      { role: 'assistant', content: t.text, toolCalls: t.calls },
      ...t.calls.map((c): ConversationMessage => {
        const result = t.results.get(c.id);
        return {
          role: 'tool',
          toolCallId: c.id,
          content: result?.result ?? 'No result',
          isError: result?.errorClass != null,
        };
      }),
    ]);
  }

  /**
   * A turn left unfinished by a process that died (some results stored, not all): its missing
   * calls run now, so the conversation is whole before the model is called again.
   */
  async finishStored(stepId: string, signal: AbortSignal): Promise<void> {
    const last = this.turns.at(-1);
    if (last === undefined || last.calls.every((c) => last.results.has(c.id))) return;
    const first = [...last.results.values()][0];
    await this.runCalls(
      {
        stepId,
        modelId: first.modelId,
        text: last.text,
        calls: last.calls,
        usageId: first.usageId,
        usage: first.usage,
        costUsd: first.costUsd,
        latencyMs: first.latencyMs,
      },
      signal,
      last,
    );
  }

  /** Runs a model turn's tool calls (those past the step's limit are answered as refused), storing each result. */
  async run(turn: ModelTurn, signal: AbortSignal): Promise<void> {
    const number = (this.turns.at(-1)?.turn ?? 0) + 1;
    const record: Turn = { turn: number, text: turn.text, calls: turn.calls, results: new Map() };
    const left = this.maxCalls - this.callsMade;
    this.turns.push(record);
    await this.runCalls(turn, signal, record, left);
  }

  private async runCalls(turn: ModelTurn, signal: AbortSignal, record: Turn, left = Infinity): Promise<void> {
    for (const [index, call] of turn.calls.entries()) {
      if (record.results.has(call.id)) continue;
      const base = {
        key: this.key,
        stepId: turn.stepId,
        turn: record.turn,
        index,
        modelId: turn.modelId,
        turnText: turn.text,
        turnCalls: turn.calls,
        // The turn's model call, kept on its first tool call: a takeover records its usage once.
        usageId: index === 0 ? turn.usageId : null,
        usage: index === 0 ? turn.usage : null,
        costUsd: index === 0 ? turn.costUsd : null,
        latencyMs: index === 0 ? turn.latencyMs : 0,
        callId: call.id,
        name: call.name,
        tool: this.box.toolOf(call.name),
        arguments: call.arguments,
      };
      const { stepId, callId, tool } = base;
      this.hooks.publish('step.tool_call', { stepId, callId, tool, arguments: call.arguments, turn: record.turn });
      const outcome =
        index >= left
          ? {
              text: `Not called: this step may make ${this.maxCalls} tool calls, and they are spent; answer from what you have`,
              errorClass: 'limit_reached' as const,
              durationMs: 0,
              truncated: false,
            }
          : await withSpan(
              `execute_tool ${base.tool}`,
              {
                'gen_ai.operation.name': 'execute_tool',
                'gen_ai.tool.name': base.tool,
                'gen_ai.tool.call.id': call.id,
              },
              async (span) => {
                const result = await this.box.execute(call.name, call.arguments, signal);
                if (result.errorClass !== null)
                  span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorClass });
                return result;
              },
              { kind: SpanKind.INTERNAL },
            );
      const stored: StoredToolCall = {
        ...base,
        result: outcome.text,
        errorClass: outcome.errorClass,
        durationMs: outcome.durationMs,
        truncated: outcome.truncated,
        at: new Date(),
      };
      // Stored before anything else: a process that takes the run over reuses it instead of calling again.
      await this.hooks.store(stored);
      record.results.set(call.id, stored);
      const { result, errorClass, durationMs, truncated } = stored;
      this.hooks.publish('step.tool_result', { stepId, callId, tool, result, errorClass, durationMs, truncated });
    }
  }
}
