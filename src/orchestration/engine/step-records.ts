import { Types } from 'mongoose';
import type { CallUsage } from '../../analytics/call-usage.js';
import type { Domain } from '../../common/domains.js';
import { providerOf } from '../../common/model-id.js';
import type { StepRole, StepSummary } from '../events/run-events.js';
import type { RunRecord } from '../runs.repository.js';
import type { RunStep } from '../run.schema.js';

/** What a run's call records about where it belongs. */
export function callUsageOf<T extends { stepId: string; role: StepRole }>(
  run: RunRecord,
  domain: Domain | null,
  call: T,
) {
  return {
    ownerId: run.ownerId,
    keyId: run.keyId ?? null,
    sessionId: run.sessionId.toHexString(),
    threadId: run.threadId.toHexString(),
    runId: run._id.toHexString(),
    strategy: run.strategy,
    domain,
    ...call,
  };
}

/**
 * A run taken over from a worker that died: the usage of each stored step's last attempt, to be
 * recorded once (the dead worker may not have written it yet). A step is stored after its usage
 * is recorded, so every stored step has one.
 */
export function takeoverUsage(run: RunRecord): (CallUsage & { id: Types.ObjectId })[] {
  // The model turns of tool loops that called tools (their step may not be stored yet): each a call once.
  const turns = (run.toolCalls ?? [])
    .filter((c) => c.usageId !== null)
    .map((c) => ({
      ...callUsageOf(run, run.domain, {
        stepId: c.stepId,
        role: (c.key.split('|')[0] ?? 'primary') as StepRole,
        provider: providerOf(c.modelId),
        modelId: c.modelId,
        at: c.at,
      }),
      id: new Types.ObjectId(c.usageId as string),
      usage: c.usage,
      costUsd: c.costUsd,
      latencyMs: c.latencyMs,
      ttftMs: null,
      status: 'succeeded' as const,
      errorClass: null,
    }));
  return [
    ...turns,
    ...run.steps
      .filter((step) => step.usageId !== undefined)
      .map((step): CallUsage & { id: Types.ObjectId } => {
        // An unreadable evaluation is a call that succeeded; any other error is the call's.
        const callError = step.error?.errorClass === 'invalid_evaluation' ? null : step.error;
        return {
          ...callUsageOf(run, run.domain, {
            stepId: step.stepId,
            role: step.role,
            provider: providerOf(step.modelId),
            modelId: step.modelId,
            at: step.endedAt,
          }),
          id: new Types.ObjectId(step.usageId),
          usage: step.usage,
          costUsd: step.costUsd,
          latencyMs: step.latencyMs,
          ttftMs: step.timeToFirstTokenMs,
          status: callError === null ? 'succeeded' : 'failed',
          errorClass: callError?.errorClass ?? null,
        };
      }),
  ];
}

export function summarise(step: RunStep): StepSummary {
  return {
    stepId: step.stepId,
    role: step.role,
    modelId: step.modelId,
    iteration: step.iteration,
    status: step.status,
    text: step.text,
    score: step.evaluation?.score ?? null,
    evaluatesStepId: step.evaluatesStepId,
    ranking: step.review?.ranking ?? null,
    inputTokens: step.usage?.inputTokens ?? 0,
    outputTokens: step.usage?.outputTokens ?? 0,
    costUsd: step.costUsd,
    latencyMs: step.latencyMs,
    errorClass: step.error?.errorClass ?? null,
    toolCalls: step.toolCalls?.length ?? 0,
  };
}
