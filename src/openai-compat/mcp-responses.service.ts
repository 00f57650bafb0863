import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Principal } from '../auth/principal.js';
import { KeyLimitsService } from '../auth/limits/key-limits.service.js';
import { McpToolsService } from '../mcp/mcp-tools.service.js';
import { ModelCaller } from '../models/model-caller.js';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import type { ConversationMessage } from '../providers/provider.types.js';
import { textMessages } from './chat-request.js';
import { ChunkWriter, orxId } from './chunk-writer.js';
import { GatewayModels } from './gateway-models.js';
import { McpResponseOutput } from './mcp-response-output.js';
import type { McpResponsesPlan } from './mcp-tool-request.js';
import { OpenAiError } from './openai-error.js';
import { responsesToChat } from './responses-translation.js';
import { MODEL_HEADER, OVERHEAD_HEADER, STATUS_OF } from './upstream.js';

/**
 * `POST /v1/responses` with `mcp` tools, as OpenAI's remote MCP tool works but with the servers
 * registered here: the servers' tools listed (`mcp_list_tools`), the model called with them, each
 * call it makes run through MCP (`mcp_call`) and fed back, until it answers or `max_tool_calls` is
 * spent; each model turn priced, recorded and held to the key's limits like any call.
 */
@Injectable()
export class McpResponses {
  constructor(
    private readonly gatewayModels: GatewayModels,
    private readonly limits: KeyLimitsService,
    private readonly caller: ModelCaller,
    private readonly tools: McpToolsService,
    private readonly usage: UsageRecorder,
  ) {}

  async answer(
    principal: Principal,
    plan: McpResponsesPlan,
    reply: FastifyReply,
    started: number,
    signal: AbortSignal,
  ): Promise<void> {
    const [item] = await this.gatewayModels.resolve([plan.id], 'chat');
    await this.limits.requireModels(principal.keyId, [item.id]);
    const box = await this.tools.toolBox(await this.tools.resolve(plan.names, principal.keyId, 'tools'));
    if (box.unavailable.length > 0) {
      throw new OpenAiError(503, `tools: ${box.unavailable.join('; ')}`, {
        type: 'api_error',
        code: 'mcp_unavailable',
      });
    }
    for (const [name, value] of Object.entries(await this.limits.admit(principal.keyId)))
      void reply.header(name, value);
    void reply.header(MODEL_HEADER, item.id).header(OVERHEAD_HEADER, (performance.now() - started).toFixed(2));
    const writer = plan.stream ? new ChunkWriter(reply, {}) : null;
    writer?.open();
    const output = new McpResponseOutput(orxId('resp_'), item.id, plan.body, writer ? (e) => writer.raw(e) : undefined);
    for (const id of new Set(box.offered.map((t) => t.server.id))) {
      const listed = await this.tools.listedTools(id);
      output.listed(
        id,
        listed.filter((t) => box.offered.some((o) => o.server.id === id && o.tool === t.name)),
      );
    }
    // The conversation as text; the tools are the loop's, not the translation's.
    const { tools: _tools, tool_choice: _choice, max_tool_calls: _most, ...rest } = plan.body;
    const messages: ConversationMessage[] = textMessages(responsesToChat(rest));
    const maxTokens = typeof plan.body.max_output_tokens === 'number' ? plan.body.max_output_tokens : undefined;
    const temperature = typeof plan.body.temperature === 'number' ? plan.body.temperature : undefined;
    let calls = 0;
    let status: 'completed' | 'incomplete' = 'completed';
    for (;;) {
      const { call, refusal } = await this.caller.call(
        [item],
        {
          kind: 'chat',
          messages,
          maxTokens,
          temperature,
          tools: box.definitions,
          toolChoice: calls >= plan.maxToolCalls ? 'none' : 'auto',
        },
        signal,
        { ownerId: principal.ownerId, keyId: principal.keyId, role: 'gateway', strategy: null, domain: null },
        (text) => output.text(text),
      );
      const failure = refusal ?? call.error;
      if (failure !== null && failure !== undefined) {
        const error =
          refusal ??
          new OpenAiError(STATUS_OF[call.error!.errorClass], `${item.id}: ${failure.message}`, {
            type: call.error!.errorClass === 'rate_limited' ? 'rate_limit_error' : 'api_error',
            code: call.error!.errorClass,
          });
        if (writer === null) throw error;
        output.failed(call.error?.errorClass ?? 'key_limit', failure.message);
        return writer.close();
      }
      output.used(call.usage);
      if (call.finishReason === 'length') status = 'incomplete';
      if (call.toolCalls.length === 0) break;
      messages.push({ role: 'assistant', content: call.text, toolCalls: call.toolCalls });
      for (const toolCall of call.toolCalls) {
        const tool = box.toolOf(toolCall.name);
        const offered = box.find(toolCall.name);
        const finish = output.calling(offered?.server.id ?? '', offered?.tool ?? toolCall.name, toolCall.arguments);
        calls += 1;
        const outcome =
          calls > plan.maxToolCalls
            ? {
                tool,
                text: `Not called: max_tool_calls (${plan.maxToolCalls}) is spent`,
                errorClass: 'limit_reached' as const,
                durationMs: 0,
                truncated: false,
              }
            : await box.execute(toolCall.name, toolCall.arguments, signal);
        finish(outcome);
        const { errorClass, durationMs } = outcome;
        this.usage.recordTool({ ownerId: principal.ownerId, tool, errorClass, durationMs });
        messages.push({
          role: 'tool',
          toolCallId: toolCall.id,
          content: outcome.text,
          isError: outcome.errorClass !== null,
        });
      }
    }
    const response = output.complete(status);
    if (writer !== null) return writer.close();
    void reply.type('application/json').send(response);
  }
}
