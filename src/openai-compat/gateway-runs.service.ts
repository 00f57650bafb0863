import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { IdSource } from '../common/id-source.js';
import { chatCompletionBody } from '../common/openai-wire.js';
import { OBJECT_ID } from '../common/parse-object-id.pipe.js';
import { STRATEGIES, type Strategy } from '../common/strategies.js';
import { AppConfig } from '../config/app-config.js';
import { FINAL_EVENTS } from '../orchestration/events/run-events.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessagesService } from '../threads/messages.service.js';
import { ThreadsService } from '../threads/threads.service.js';
import { textMessages, type ChatRequest } from './chat-request.js';
import { messageBody } from './messages-translation.js';
import { isRecord } from './wire-json.js';
import { namesOf } from './mcp-tool-request.js';
import { McpToolsService } from '../mcp/mcp-tools.service.js';
import { OpenAiError } from './openai-error.js';
import { AnthropicRunWriter, OpenAiRunWriter, runFailure, runUsage, type RunWriter } from './run-writers.js';
import { OVERHEAD_HEADER, setHeaders, type Wire } from './upstream.js';

/** The prefix of the strategies' model names. */
export const ORCHESTRATE = 'orchestratex/';
const SESSION_HEADER = 'x-orchestratex-session';
/** An orchestration's calls and cost, on a response that was not streamed. */
const RUN_CALLS_HEADER = 'x-orchestratex-run-calls';
const RUN_COST_HEADER = 'x-orchestratex-run-cost-usd';
const KEEP_ALIVE_MS = 5_000;
/** The role whose text is a strategy's answer as it is written (the others choose theirs after the fact). */
const LIVE_WRITER: Partial<Record<Strategy, string>> = {
  route: 'primary',
  ensemble: 'aggregator',
  council: 'chairman',
  debate: 'judge',
};

/** `orchestratex/*` through /v1: a run per request, answered as a chat completion or a message. */
@Injectable()
export class GatewayRuns {
  constructor(
    private readonly orchestration: OrchestrationService,
    private readonly sessions: SessionsService,
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly limits: KeyLimitsService,
    private readonly config: AppConfig,
    private readonly mcpTools: McpToolsService,
  ) {}

  /**
   * The MCP tools a run's writers may call, from `{"type": "mcp", "server_label": …}` tools;
   * function tools are a 400: the client would have to run them in the middle of the team's run.
   */
  private mcpToolsOf(tools: unknown): string[] | undefined {
    if (tools === undefined || tools === null) return undefined;
    if (!Array.isArray(tools) || tools.some((t) => !isRecord(t) || t.type !== 'mcp')) {
      throw new OpenAiError(
        400,
        'tools: orchestratex/* models call only MCP tools registered here ({"type": "mcp", "server_label": "<server>", "require_approval": "never"}); function tools would stop the team mid-run for the client to run them',
        { param: 'tools', code: 'invalid_value' },
      );
    }
    return tools.flatMap((tool: Record<string, unknown>, i) => namesOf(tool, `tools[${i}]`));
  }

  /**
   * `orchestratex/<strategy>` as a chat model: the conversation into a new thread of the client's
   * session, a run of the strategy, its answer back in the client's protocol (streamed live, or
   * whole once the run ends).
   */
  async orchestrate(
    principal: Principal,
    chat: ChatRequest,
    request: FastifyRequest,
    reply: FastifyReply,
    started: number,
    wire: Wire,
  ): Promise<void> {
    const strategy = chat.model.slice(ORCHESTRATE.length) as Strategy;
    if (!STRATEGIES.includes(strategy)) {
      throw new OpenAiError(
        404,
        `The model '${chat.model}' does not exist; strategies: ${STRATEGIES.map((s) => ORCHESTRATE + s).join(', ')}`,
        { param: 'model', code: 'model_not_found' },
      );
    }
    const tools = this.mcpToolsOf(chat.body.tools);
    for (const field of ['tool_choice', 'response_format']) {
      if (chat.body[field] !== undefined && chat.body[field] !== null) {
        throw new OpenAiError(400, `${field}: orchestratex/* models do not take it`, {
          param: field,
          code: 'invalid_value',
        });
      }
    }
    const messages = textMessages(chat.body);
    const last = messages.at(-1);
    if (last === undefined || last.role !== 'user')
      throw new OpenAiError(400, 'the last message must be the user prompt', { param: 'messages' });
    // Checked and counted before the thread is made, so a refused request leaves nothing behind.
    if (tools !== undefined) await this.mcpTools.resolve(tools, principal.keyId, 'tools');
    setHeaders(reply, await this.limits.admit(principal.keyId));
    const header = request.headers[SESSION_HEADER];
    const named = typeof header === 'string' ? header : chat.user;
    const sessionId = named !== undefined && OBJECT_ID.test(named) ? named : await this.sessionOf(principal);
    // An Idempotency-Key's retry gives the thread, each message and the run the same ids: found, not made again.
    const ids = new IdSource(request.idempotency?.claim.ids);
    const thread = await this.threads.create(
      principal,
      { sessionId, title: last.content.replace(/\s+/g, ' ').slice(0, 80) },
      ids,
    );
    for (const message of messages.slice(0, -1)) await this.messages.post(principal, thread.id, message, ids);

    const created = await this.orchestration.start(
      principal,
      {
        sessionId,
        threadId: thread.id,
        prompt: last.content,
        strategy,
        maxTokens: chat.maxTokens,
        temperature: chat.temperature,
        ...(tools === undefined ? {} : { tools }),
      },
      ids,
      { admitted: true },
    );
    reply.header('x-orchestratex-run-id', created.runId);
    if (chat.stream) {
      const writer =
        wire === 'openai'
          ? new OpenAiRunWriter(reply, created.runId, chat.model, chat.includeUsage)
          : new AnthropicRunWriter(reply, created.runId, chat.model);
      return this.streamRun(principal, writer, reply, created.runId, strategy);
    }
    // The connection is held until the run ends, never answered while it goes on spending; a run
    // past GATEWAY_RUN_TIMEOUT_MS is cancelled and the client told so.
    const limitMs = this.config.orchestration.gatewayRunTimeoutMs;
    if (!(await this.orchestration.waitForEnd(created.runId, limitMs))) {
      await this.orchestration.cancel(principal, created.runId).catch(() => undefined);
      throw new OpenAiError(
        504,
        `run ${created.runId} did not end within ${limitMs} ms (GATEWAY_RUN_TIMEOUT_MS) and was cancelled; send stream: true to follow a longer run`,
        { type: 'api_error', code: 'timeout' },
      );
    }
    const run = await this.orchestration.get(principal, created.runId);
    if (run.answer === null) throw runFailure(run);
    void reply
      .header(OVERHEAD_HEADER, (performance.now() - started).toFixed(2))
      .header(RUN_CALLS_HEADER, String(run.totals.calls))
      .header(RUN_COST_HEADER, run.totals.costUsd.toFixed(6))
      .send(
        wire === 'openai'
          ? chatCompletionBody(`chatcmpl-${created.runId}`, chat.model, run.answer, 'stop', runUsage(run))
          : messageBody(`msg_${created.runId}`, chat.model, [{ type: 'text', text: run.answer }], 'end_turn', {
              input_tokens: run.totals.inputTokens,
              output_tokens: run.totals.outputTokens,
            }),
      );
  }

  /**
   * An orchestration streamed live: the role chunk at once, each stage as an SSE comment (and a
   * keep-alive every few seconds), the final writer's tokens as it writes them (route's primary,
   * the ensemble's aggregator, the council's chairman, the debate's judge), else the chosen answer
   * in pieces when the run ends; the usage chunk is the whole run's, with its calls and cost.
   */
  private async streamRun(
    principal: Principal,
    writer: RunWriter,
    reply: FastifyReply,
    runId: string,
    strategy: Strategy,
  ): Promise<void> {
    writer.start();
    const liveRole = LIVE_WRITER[strategy];
    let liveStep: string | null = null;
    let streamed = '';
    let broken = false;
    let stop: (() => void) | undefined;
    const keepAlive = setInterval(() => writer.comment('keep-alive'), KEEP_ALIVE_MS);
    reply.raw.on('close', () => {
      // A client that went away does not keep its run going.
      if (!reply.raw.writableEnded) void this.orchestration.cancel(principal, runId).catch(() => undefined);
    });
    await new Promise<void>((resolve) => {
      const follow = this.orchestration.follow(runId, 0, (event) => {
        if (event.type === 'step.delta') {
          if (event.data.stepId === liveStep && !broken) {
            streamed += event.data.text;
            writer.text(event.data.text);
          }
          return;
        }
        if (event.type === 'step.started') {
          if (event.data.role === liveRole && liveStep === null) liveStep = event.data.stepId;
          writer.comment(`${event.type} ${event.data.stepId} ${event.data.role} ${event.data.modelId}`);
        } else if (event.type === 'step.retried') {
          if (event.data.stepId === liveStep && streamed !== '') broken = true;
          writer.comment(`${event.type} ${event.data.stepId} ${event.data.errorClass}`);
        } else writer.comment(event.type);
        if (FINAL_EVENTS.includes(event.type)) resolve();
      });
      stop = follow;
      follow.replayed.catch(() => resolve());
    });
    clearInterval(keepAlive);
    stop?.();
    const run = await this.orchestration.get(principal, runId);
    if (run.answer === null || broken || (streamed !== '' && !streamed.trim().endsWith(run.answer.trim()))) {
      return writer.fail(
        run.answer === null
          ? runFailure(run)
          : new OpenAiError(
              502,
              `run ${runId}: the answer's stream broke and was retried; read the answer from the run`,
              {
                code: 'stream_broken',
              },
            ),
      );
    }
    // An answer chosen after the fact (the best-scored one) goes out now, a few words a chunk.
    if (streamed === '') for (const piece of run.answer.match(/(?:\S+\s*){1,4}/g) ?? []) writer.text(piece);
    writer.comment(`run ${runId} ${run.status}: ${run.totals.calls} calls, $${run.totals.costUsd.toFixed(6)}`);
    writer.finish(run);
  }

  /** The key's own session for OpenAI-compatible runs, created the first time. */

  private async sessionOf(principal: Principal): Promise<string> {
    const userId = `openai-compat:${principal.keyId}`;
    const page = await this.sessions.list(principal, { userId, status: 'active', limit: 1 });
    if (page.items.length > 0) return page.items[0].id;
    return (await this.sessions.create(principal, { title: 'OpenAI-compatible endpoint', userId })).id;
  }
}
