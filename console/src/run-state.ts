import type { RunEvent, RunStatus, RunTotals, StepSummary, ToolCall } from './types.js';

/** A step as the live events tell it: its text grows with each `step.delta`. */
export interface LiveStep {
  stepId: string;
  role: string;
  modelId: string;
  iteration: number;
  text: string;
  status: 'running' | 'succeeded' | 'failed';
  attempts: number;
  summary: StepSummary | null;
  /** Its MCP tool calls, as `step.tool_call` and `step.tool_result` tell them. */
  tools: ToolCall[];
}

export interface LiveRun {
  runId: string;
  /** The last seq applied: events are applied once each, in order. */
  lastSeq: number;
  /** Every event applied, for the event log. */
  log: { seq: number; type: string; at: string }[];
  status: RunStatus | null;
  strategy: string | null;
  domain: { domain: string; complexity: string; reasons: string[] } | null;
  team: Record<string, string[]> | null;
  steps: LiveStep[];
  iterations: { iteration: number; score: number | null; bestScore: number | null }[];
  outcome: { answer: string | null; modelId: string | null; score: number | null; messageId: string | null } | null;
  totals: RunTotals | null;
  problem: { kind: string; message: string } | null;
  costWarning: { spentUsd: number; limitUsd: number } | null;
  thresholdMet: { iteration: number; score: number; threshold: number } | null;
}

export const emptyRun = (runId: string): LiveRun => ({
  runId,
  lastSeq: 0,
  log: [],
  status: null,
  strategy: null,
  domain: null,
  team: null,
  steps: [],
  iterations: [],
  outcome: null,
  totals: null,
  problem: null,
  costWarning: null,
  thresholdMet: null,
});

const withStep = (run: LiveRun, stepId: string, change: (step: LiveStep) => LiveStep): LiveStep[] =>
  run.steps.map((step) => (step.stepId === stepId ? change(step) : step));

const completed = (summary: StepSummary, attempts = 1, tools: ToolCall[] = []): LiveStep => ({
  stepId: summary.stepId,
  role: summary.role,
  modelId: summary.modelId,
  iteration: summary.iteration,
  text: summary.text,
  status: summary.status,
  attempts,
  summary,
  tools,
});

/**
 * The run after one more event. An event at or before `lastSeq` is a repeat and changes nothing;
 * the caller hands events over in seq order (the live feed fills gaps from the REST log first).
 */
export function applyEvent(run: LiveRun, event: RunEvent): LiveRun {
  if (event.seq <= run.lastSeq) return run;
  const next: LiveRun = {
    ...run,
    lastSeq: event.seq,
    log: [...run.log, { seq: event.seq, type: event.type, at: event.at }],
  };
  const data = event.data as never;
  switch (event.type) {
    case 'run.started': {
      const { strategy } = data as { strategy: string };
      return { ...next, status: 'running', strategy };
    }
    case 'run.resumed': {
      // Steps under way when the previous worker stopped start again under new ids; kept ones stay.
      const { reusedSteps } = data as { reusedSteps: StepSummary[] };
      const reused = new Map(reusedSteps.map((s) => [s.stepId, s]));
      const steps = next.steps
        .filter((s) => s.status !== 'running' || reused.has(s.stepId))
        .map((s) => (reused.has(s.stepId) ? completed(reused.get(s.stepId)!, s.attempts, s.tools) : s));
      for (const summary of reusedSteps)
        if (!steps.some((s) => s.stepId === summary.stepId)) steps.push(completed(summary));
      return { ...next, status: 'running', steps };
    }
    case 'run.domain_detected':
      return { ...next, domain: data };
    case 'run.model_selected': {
      const { team } = data as { team: Record<string, string[]> };
      return { ...next, team };
    }
    case 'step.started': {
      const { stepId, role, modelId, iteration } = data as {
        stepId: string;
        role: string;
        modelId: string;
        iteration: number;
      };
      const step: LiveStep = {
        stepId,
        role,
        modelId,
        iteration,
        text: '',
        status: 'running',
        attempts: 1,
        summary: null,
        tools: [],
      };
      return { ...next, steps: [...next.steps.filter((s) => s.stepId !== stepId), step] };
    }
    case 'step.delta': {
      const { stepId, text } = data as { stepId: string; text: string };
      return { ...next, steps: withStep(next, stepId, (s) => ({ ...s, text: s.text + text })) };
    }
    case 'step.retried': {
      const { stepId, attempt, modelId, discardedChars } = data as {
        stepId: string;
        attempt: number;
        modelId: string;
        discardedChars: number;
      };
      return {
        ...next,
        steps: withStep(next, stepId, (s) => ({
          ...s,
          modelId,
          attempts: attempt,
          text: s.text.slice(0, Math.max(0, s.text.length - discardedChars)),
        })),
      };
    }
    case 'step.tool_call': {
      const { stepId, callId, tool, arguments: args, turn } = data as ToolCall & { stepId: string };
      const call: ToolCall = {
        callId,
        tool,
        arguments: args,
        turn,
        result: null,
        errorClass: null,
        durationMs: null,
        truncated: false,
      };
      return { ...next, steps: withStep(next, stepId, (s) => ({ ...s, tools: [...s.tools, call] })) };
    }
    case 'step.tool_result': {
      const { stepId, callId, result, errorClass, durationMs, truncated } = data as ToolCall & { stepId: string };
      const answered = (c: ToolCall) => (c.callId === callId ? { ...c, result, errorClass, durationMs, truncated } : c);
      return { ...next, steps: withStep(next, stepId, (s) => ({ ...s, tools: s.tools.map(answered) })) };
    }
    case 'step.completed': {
      const { step } = data as { step: StepSummary };
      const known = next.steps.find((s) => s.stepId === step.stepId);
      const done = completed(step, known?.attempts ?? 1, known?.tools);
      return {
        ...next,
        steps: known === undefined ? [...next.steps, done] : withStep(next, step.stepId, () => done),
      };
    }
    case 'run.iteration_completed':
      return {
        ...next,
        iterations: [...next.iterations.filter((i) => i.iteration !== (data as { iteration: number }).iteration), data],
      };
    case 'run.cost_warning':
      return { ...next, costWarning: data };
    case 'run.threshold_met':
      return { ...next, thresholdMet: data };
    case 'run.completed': {
      const { status, answer, modelId, score, messageId, totals } = data as {
        status: RunStatus;
        answer: string | null;
        modelId: string | null;
        score: number | null;
        messageId: string | null;
        totals: RunTotals;
      };
      return { ...next, status, outcome: { answer, modelId, score, messageId }, totals };
    }
    case 'run.failed': {
      const { errorClass, message, totals } = data as { errorClass: string; message: string; totals: RunTotals };
      return { ...next, status: 'failed', problem: { kind: errorClass, message }, totals };
    }
    case 'run.cancelled': {
      const { reason, totals } = data as { reason: string; totals: RunTotals };
      return { ...next, status: 'cancelled', problem: { kind: 'cancelled', message: reason }, totals };
    }
    case 'run.interrupted': {
      const { reason } = data as { reason: string };
      return { ...next, status: 'interrupted', problem: { kind: 'interrupted', message: reason } };
    }
    default:
      // An event this console does not know yet: kept in the log, nothing else changes.
      return next;
  }
}
