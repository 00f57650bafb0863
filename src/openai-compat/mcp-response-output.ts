import type { McpTool } from '../mcp/mcp-clients.js';
import type { ToolOutcome } from '../mcp/tool-box.js';
import type { NormalizedUsage } from '../providers/provider.types.js';
import { usageOf } from './chunk-writer.js';
import { responseOf, responsesUsage, textItem } from './responses-translation.js';
import type { Json } from './wire-json.js';

/** An MCP call's error as OpenAI's `mcp_call` item has it: the tool's own, or the protocol's (timeout, no server). */
function callError(outcome: ToolOutcome): Json | null {
  if (outcome.errorClass === null) return null;
  if (outcome.errorClass === 'tool_error') {
    return { type: 'mcp_tool_execution_error', content: [{ type: 'text', text: outcome.text }] };
  }
  return { type: 'mcp_protocol_error', code: -32001, message: `${outcome.errorClass}: ${outcome.text}` };
}

/**
 * A Response made while the gateway runs its MCP tool loop: `mcp_list_tools` items first, then
 * each model turn's text (a message item) and each tool call (an `mcp_call` item), in order. With
 * `write`, each step goes out at once as the Responses API's stream events.
 */
export class McpResponseOutput {
  private readonly output: Json[] = [];
  private seq = 0;
  private message: { index: number; text: string } | null = null;
  private usage: NormalizedUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly request: Json,
    private readonly write?: (event: string) => void,
  ) {
    const opening = responseOf(id, model, request, [], 'in_progress', null);
    this.event('response.created', { response: opening });
    this.event('response.in_progress', { response: opening });
  }

  /** A server's tools as the model is offered them. */
  listed(serverLabel: string, tools: McpTool[]): void {
    const index = this.output.length;
    const item = {
      type: 'mcp_list_tools',
      id: `mcpl_${this.id}_${index}`,
      server_label: serverLabel,
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema,
        annotations: null,
      })),
      error: null,
    };
    const at = { item_id: item.id, output_index: index };
    this.event('response.output_item.added', { output_index: index, item: { ...item, tools: [] } });
    this.event('response.mcp_list_tools.in_progress', at);
    this.event('response.mcp_list_tools.completed', at);
    this.done(item);
  }

  /** A piece of the model's text. */
  text(delta: string): void {
    if (this.message === null) {
      const index = this.output.length;
      this.message = { index, text: '' };
      this.event('response.output_item.added', {
        output_index: index,
        item: textItem(this.messageId(index), '', 'in_progress'),
      });
      this.event('response.content_part.added', {
        item_id: this.messageId(index),
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
    }
    this.message.text += delta;
    const at = { item_id: this.messageId(this.message.index), output_index: this.message.index, content_index: 0 };
    this.event('response.output_text.delta', { ...at, delta, logprobs: [] });
  }

  /** A model turn's usage, added to the Response's. */
  used(usage: NormalizedUsage | null): void {
    if (usage === null) return;
    this.usage.inputTokens += usage.inputTokens;
    this.usage.outputTokens += usage.outputTokens;
    this.usage.cachedInputTokens += usage.cachedInputTokens;
    this.usage.reasoningTokens += usage.reasoningTokens;
  }

  /** A tool call starts: its item, in progress. Returns how to finish it. */
  calling(serverLabel: string, name: string, args: string): (outcome: ToolOutcome) => void {
    this.closeMessage();
    const index = this.output.length;
    const item: Json = {
      type: 'mcp_call',
      id: `mcp_${this.id}_${index}`,
      server_label: serverLabel,
      name,
      arguments: args,
      output: null,
      error: null,
      status: 'in_progress',
    };
    // Held in place: a model turn's calls keep the order it asked for them in.
    this.output.push(item);
    const at = { item_id: item.id, output_index: index };
    this.event('response.output_item.added', { output_index: index, item: { ...item, arguments: '' } });
    this.event('response.mcp_call.in_progress', at);
    this.event('response.mcp_call_arguments.delta', { ...at, delta: args });
    this.event('response.mcp_call_arguments.done', { ...at, arguments: args });
    return (outcome) => {
      const error = callError(outcome);
      Object.assign(item, {
        output: error === null ? outcome.text : null,
        error,
        status: error === null ? 'completed' : 'failed',
      });
      this.event(error === null ? 'response.mcp_call.completed' : 'response.mcp_call.failed', at);
      this.event('response.output_item.done', { output_index: index, item });
    };
  }

  /** The whole Response (after its last event, `response.completed`, when streaming). */
  complete(status: 'completed' | 'incomplete'): Json {
    this.closeMessage();
    const response = responseOf(
      this.id,
      this.model,
      this.request,
      this.output,
      status,
      responsesUsage(usageOf(this.usage)),
    );
    this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
    return response;
  }

  /** A failure after the stream began: Responses' `error` event (the status and headers are sent). */
  failed(code: string, message: string): void {
    this.event('error', { code, message, param: null });
  }

  private closeMessage(): void {
    const open = this.message;
    if (open === null) return;
    this.message = null;
    const item = textItem(this.messageId(open.index), open.text, 'completed');
    const at = { item_id: item.id, output_index: open.index, content_index: 0 };
    this.event('response.output_text.done', { ...at, text: open.text, logprobs: [] });
    this.event('response.content_part.done', {
      ...at,
      part: { type: 'output_text', text: open.text, annotations: [], logprobs: [] },
    });
    this.done(item);
  }

  private done(item: Json): void {
    const index = this.output.length;
    this.output.push(item);
    this.event('response.output_item.done', { output_index: index, item });
  }

  private messageId(index: number): string {
    return `msg_${this.id}_${index}`;
  }

  private event(type: string, data: Json): void {
    if (this.write === undefined) return;
    this.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: this.seq++ })}`);
  }
}
