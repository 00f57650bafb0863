import { applyEvent, emptyRun, type LiveRun } from './run-state.js';
import type { RunEvent, StepSummary } from './types.js';

let seq = 0;
const event = (type: string, data: Record<string, unknown>): RunEvent => ({
  type,
  runId: 'r1',
  seq: ++seq,
  at: '2026-12-01T00:00:00.000Z',
  data,
});
const summary = (stepId: string, text: string): StepSummary => ({
  stepId,
  role: 'primary',
  modelId: 'm',
  iteration: 1,
  status: 'succeeded',
  text,
  score: null,
  evaluatesStepId: null,
  ranking: null,
  inputTokens: 1,
  outputTokens: 2,
  costUsd: 0.1,
  latencyMs: 5,
  errorClass: null,
  toolCalls: 0,
});
const apply = (events: RunEvent[], start: LiveRun = emptyRun('r1')) => events.reduce(applyEvent, start);

describe('the live run built from events', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('should grow a step with its deltas and take the stored text when it completes', () => {
    const run = apply([
      event('run.started', { strategy: 'improve' }),
      event('step.started', { stepId: 's1', role: 'primary', modelId: 'm', iteration: 1 }),
      event('step.delta', { stepId: 's1', text: 'Hel' }),
      event('step.delta', { stepId: 's1', text: 'lo' }),
    ]);
    expect(run.steps[0]).toMatchObject({ text: 'Hello', status: 'running' });
    const done = applyEvent(run, event('step.completed', { step: summary('s1', 'Hello!') }));
    expect(done.steps[0]).toMatchObject({ text: 'Hello!', status: 'succeeded' });
    expect(done.log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('should list a step’s tool calls as they are made, each with its result once it comes', () => {
    const run = apply([
      event('step.started', { stepId: 's1', role: 'primary', modelId: 'm', iteration: 1 }),
      event('step.tool_call', { stepId: 's1', callId: 'c1', tool: 'docs/search', arguments: '{"q":"x"}', turn: 1 }),
    ]);
    expect(run.steps[0].tools).toEqual([
      {
        callId: 'c1',
        tool: 'docs/search',
        arguments: '{"q":"x"}',
        turn: 1,
        result: null,
        errorClass: null,
        durationMs: null,
        truncated: false,
      },
    ]);
    const answered = applyEvent(
      run,
      event('step.tool_result', {
        stepId: 's1',
        callId: 'c1',
        tool: 'docs/search',
        result: 'The tool did not answer within 30000 ms',
        errorClass: 'timeout',
        durationMs: 30000,
        truncated: false,
      }),
    );
    expect(answered.steps[0].tools[0]).toMatchObject({
      result: 'The tool did not answer within 30000 ms',
      errorClass: 'timeout',
    });
    // The completed step keeps the calls its events told.
    const done = applyEvent(answered, event('step.completed', { step: summary('s1', 'answer') }));
    expect(done.steps[0].tools).toHaveLength(1);
  });

  it('should apply a repeated event once', () => {
    const delta = { ...event('step.delta', { stepId: 's1', text: 'x' }), seq: 2 };
    seq = 1;
    const started = apply([
      { ...event('step.started', { stepId: 's1', role: 'primary', modelId: 'm', iteration: 1 }), seq: 1 },
    ]);
    const once = applyEvent(started, delta);
    expect(applyEvent(once, delta)).toBe(once);
    expect(once.steps[0].text).toBe('x');
  });

  it('should drop the text a retried step discards and show its new model and attempt', () => {
    const run = apply([
      event('step.started', { stepId: 's1', role: 'primary', modelId: 'a', iteration: 1 }),
      event('step.delta', { stepId: 's1', text: 'partial' }),
      event('step.retried', {
        stepId: 's1',
        attempt: 2,
        modelId: 'b',
        errorClass: 'reset',
        message: '',
        discardedChars: 7,
      }),
      event('step.delta', { stepId: 's1', text: 'again' }),
    ]);
    expect(run.steps[0]).toMatchObject({ text: 'again', modelId: 'b', attempts: 2 });
  });

  it('should drop the steps under way when a run is resumed, and keep the reused ones', () => {
    const run = apply([
      event('step.started', { stepId: 's1', role: 'primary', modelId: 'm', iteration: 1 }),
      event('step.started', { stepId: 's2', role: 'evaluator', modelId: 'm', iteration: 1 }),
      event('run.resumed', { afterSeq: 2, reusedSteps: [summary('s1', 'kept')] }),
    ]);
    expect(run.steps.map((s) => [s.stepId, s.status, s.text])).toEqual([['s1', 'succeeded', 'kept']]);
  });

  it('should end with the outcome of run.completed, or the reason of a failure', () => {
    const totals = { calls: 1, inputTokens: 1, outputTokens: 2, costUsd: 0.1, unknownCostCalls: 0 };
    const completed = apply([
      event('run.completed', {
        status: 'budget_exceeded',
        answer: 'a',
        modelId: 'm',
        score: 7,
        messageId: 'x',
        totals,
      }),
    ]);
    expect(completed).toMatchObject({ status: 'budget_exceeded', outcome: { answer: 'a', score: 7 }, totals });
    const failed = apply([event('run.failed', { errorClass: 'all_failed', message: 'no model answered', totals })]);
    expect(failed).toMatchObject({ status: 'failed', problem: { kind: 'all_failed', message: 'no model answered' } });
  });
});
