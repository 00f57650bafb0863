import { STEP_ROLES, type RunEventType } from './run-events.js';

type Schema = Record<string, unknown>;

const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const num = { type: 'number' };
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, Schema>): Schema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});

const totals = object({ calls: int, inputTokens: int, outputTokens: int, costUsd: num, unknownCostCalls: int });
const role = { type: 'string', enum: [...STEP_ROLES] };
const stepSummary = object({
  stepId: str,
  role,
  modelId: str,
  iteration: int,
  status: { type: 'string', enum: ['succeeded', 'failed'] },
  text: str,
  score: nullable(num),
  evaluatesStepId: nullable(str),
  ranking: nullable({ type: 'array', items: str }),
  inputTokens: int,
  outputTokens: int,
  costUsd: nullable(num),
  latencyMs: int,
  errorClass: nullable(str),
  toolCalls: int,
});

/**
 * Every event of the namespace with its summary and payload schema. Typed as a record over the
 * event map, so an event added to the map without documentation does not compile;
 * `npm run asyncapi:write` turns it into docs/asyncapi.yaml.
 */
export const EVENT_DOCS: Record<RunEventType, { summary: string; data: Schema }> = {
  'run.started': {
    summary: 'The run has begun.',
    data: object({ sessionId: str, threadId: str, strategy: str, prompt: str }),
  },
  'run.resumed': {
    summary:
      'A worker took the run over from one that died or stopped: events go on after afterSeq; the stored steps are kept, and steps that were going start again under new ids.',
    data: object({ afterSeq: int, reusedSteps: { type: 'array', items: stepSummary } }),
  },
  'run.domain_detected': {
    summary: "The prompt's domain and complexity, with the signals that decided them.",
    data: object({
      domain: str,
      complexity: { type: 'string', enum: ['low', 'medium', 'high'] },
      reasons: { type: 'array', items: str },
    }),
  },
  'run.model_selected': {
    summary:
      'The best candidates with their scores and reasons, the team by role, and notes on what the team had to make do with (a model judging its own answers, a ladder of models weak in the domain).',
    data: object({
      candidates: {
        type: 'array',
        items: object({ modelId: str, score: num, reasons: { type: 'array', items: str } }),
      },
      team: { type: 'object', additionalProperties: { type: 'array', items: str } },
      notes: { type: 'array', items: str },
    }),
  },
  'run.ranked': {
    summary:
      "council: the members' reviews aggregated, best first: each answer's Borda count (on a ballot of k answers the first gets k−1 points), mean rank, mean rubric score (1–10; null when no review scored it) and reviews; agreement is Kendall's W over the reviews (null when it cannot be measured), with the seed the reviewers' label orders came from.",
    data: object({
      ranking: {
        type: 'array',
        items: object({
          stepId: str,
          modelId: str,
          borda: int,
          meanRank: num,
          meanScore: nullable(num),
          reviews: int,
        }),
      },
      agreement: nullable(num),
      reviews: int,
      selfRecusal: { type: 'boolean' },
      seed: str,
    }),
  },
  'step.started': {
    summary: 'A model call has begun.',
    data: object({ stepId: str, role, modelId: str, iteration: int }),
  },
  'step.delta': {
    summary: 'Answer text as it streams, coalesced (at most every 50 ms or 400 characters). Not sent for evaluations.',
    data: object({ stepId: str, text: str }),
  },
  'step.retried': {
    summary:
      'The step broke after its first token and is tried again (the same model once, then the next candidate): drop the partial text its deltas gave; new deltas follow.',
    data: object({ stepId: str, attempt: int, modelId: str, errorClass: str, message: str, discardedChars: int }),
  },
  'step.tool_call': {
    summary:
      "A writer (or, with judgeTools, a judge) calls an MCP tool in its tool loop: the tool (server/tool), the arguments as the model wrote them, the step's model turn.",
    data: object({ stepId: str, callId: str, tool: str, arguments: str, turn: int }),
  },
  'step.tool_result': {
    summary:
      'What the tool gave, stored before the model sees it, or why it gave nothing (errorClass: tool_error, timeout, unavailable, bad_arguments, unknown_tool, limit_reached, cancelled).',
    data: object({
      stepId: str,
      callId: str,
      tool: str,
      result: str,
      errorClass: nullable(str),
      durationMs: int,
      truncated: { type: 'boolean' },
    }),
  },
  'step.completed': {
    summary:
      'A model call has ended: a response, evaluation, refinement or aggregation with tokens, cost, latency and score.',
    data: object({
      step: stepSummary,
    }),
  },
  'run.iteration_completed': {
    summary: 'An answer has been evaluated: its mean score and the best so far.',
    data: object({ iteration: int, score: nullable(num), bestScore: nullable(num) }),
  },
  'run.cost_warning': {
    summary: 'The run has spent 80% of its cost limit.',
    data: object({ spentUsd: num, limitUsd: num }),
  },
  'run.threshold_met': {
    summary: 'An answer reached the quality threshold: the run stops improving.',
    data: object({ iteration: int, score: num, threshold: num }),
  },
  'run.completed': {
    summary:
      'The run ended with its answer (succeeded), or stopped by its cost limit with the best answer so far (budget_exceeded).',
    data: object({
      status: { type: 'string', enum: ['succeeded', 'budget_exceeded'] },
      answer: nullable(str),
      modelId: nullable(str),
      score: nullable(num),
      messageId: nullable(str),
      totals,
    }),
  },
  'run.failed': {
    summary: 'The run failed: the error class and message.',
    data: object({ errorClass: str, message: str, totals }),
  },
  'run.cancelled': {
    summary: 'The run was cancelled; its calls were aborted.',
    data: object({ reason: str, totals }),
  },
  'run.interrupted': {
    summary: 'The server stopped while the run was going.',
    data: object({ reason: str }),
  },
};

export const RUN_EVENT_TYPES = Object.keys(EVENT_DOCS) as RunEventType[];

const subscribeRequest = {
  type: 'object',
  description: 'Exactly one of runId, threadId, sessionId. afterSeq (runs only): replay the events after it first.',
  properties: { runId: str, threadId: str, sessionId: str, afterSeq: int },
};
const ack = {
  oneOf: [object({ ok: { const: true }, replayed: int }), object({ ok: { const: false }, error: str })],
};

/** The AsyncAPI 3 document of the /orchestration namespace. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  for (const type of RUN_EVENT_TYPES) {
    messages[type] = {
      name: type,
      summary: EVENT_DOCS[type].summary,
      payload: object({
        type: { const: type },
        runId: str,
        seq: { type: 'integer', minimum: 1 },
        at: { type: 'string', format: 'date-time' },
        data: EVENT_DOCS[type].data,
      }),
    };
  }
  messages.subscribe = {
    name: 'subscribe',
    summary: 'Follow a run, thread or session; acknowledged.',
    payload: subscribeRequest,
  };
  messages.unsubscribe = { name: 'unsubscribe', summary: 'Stop following; acknowledged.', payload: subscribeRequest };
  messages.subscribeAck = {
    name: 'subscribeAck',
    summary: 'The acknowledgement of subscribe and unsubscribe.',
    payload: ack,
  };

  const ref = (name: string) => ({ $ref: `#/channels/orchestration/messages/${name}` });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'OrchestrateX live events',
      version: '1.0.0',
      description:
        'Socket.IO namespace /orchestration. Authenticate in the handshake with auth.token = an API key (a bad key gets ' +
        'connect_error "unauthorized…"). Every event carries runId, a per-run seq (1, 2, 3… without gaps) and a timestamp; ' +
        'the Socket.IO event name is the event type. Connection state recovery is on (2 minutes).',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:8001',
        protocol: 'ws',
        pathname: '/socket.io',
        description: 'Socket.IO (Engine.IO v4) on the API port',
      },
    },
    channels: {
      orchestration: { address: '/orchestration', messages },
    },
    operations: {
      subscribe: {
        action: 'receive',
        channel: { $ref: '#/channels/orchestration' },
        summary: 'Client → server: subscribe (or unsubscribe) with an acknowledgement.',
        messages: [ref('subscribe'), ref('unsubscribe')],
        reply: { channel: { $ref: '#/channels/orchestration' }, messages: [ref('subscribeAck')] },
      },
      runEvents: {
        action: 'send',
        channel: { $ref: '#/channels/orchestration' },
        summary: 'Server → client: the events of the runs, threads and sessions subscribed to.',
        messages: RUN_EVENT_TYPES.map(ref),
      },
    },
  };
}
