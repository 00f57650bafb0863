type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One input item's content as chat parts: text (input or earlier output) and images. */
function partsOf(content: unknown): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => {
    if (isRecord(p) && (p.type === 'input_text' || p.type === 'output_text')) return { type: 'text', text: p.text };
    if (isRecord(p) && p.type === 'input_image') return { type: 'image_url', image_url: { url: p.image_url } };
    return { type: 'text', text: '' };
  });
}

/**
 * A Responses API request read as the Chat Completions request the simulator answers: the same
 * deterministic model behind OpenAI's newer API (`instructions`, input items, function tools and
 * their outputs, `text.format`, `max_output_tokens`). Its own reading, not the gateway's.
 */
export function responsesAsChat(body: Json): Json | string {
  const messages: Json[] = [];
  if (typeof body.instructions === 'string') messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else if (Array.isArray(body.input)) {
    for (const item of body.input as unknown[]) {
      if (!isRecord(item)) return 'input items must be objects';
      if (item.type === 'function_call') {
        const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
        const last = messages.at(-1);
        if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) (last.tool_calls as Json[]).push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      } else if (item.type === 'function_call_output') {
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: String(item.output) });
      } else if (item.type === 'reasoning') continue;
      else messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: partsOf(item.content) });
    }
  } else return 'input is required';
  const tools = Array.isArray(body.tools)
    ? (body.tools as Json[])
        .filter((t) => t.type === 'function')
        .map((t) => ({
          type: 'function',
          function: { name: t.name, description: t.description, parameters: t.parameters },
        }))
    : undefined;
  const choice = body.tool_choice;
  const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : undefined;
  return {
    model: body.model,
    messages,
    stream: body.stream === true,
    stream_options: { include_usage: true },
    ...(typeof body.max_output_tokens === 'number' ? { max_tokens: body.max_output_tokens } : {}),
    ...(tools && tools.length > 0 ? { tools } : {}),
    ...(choice === undefined
      ? {}
      : { tool_choice: isRecord(choice) ? { type: 'function', function: { name: choice.name } } : choice }),
    ...(body.parallel_tool_calls === false ? { parallel_tool_calls: false } : {}),
    ...(format?.type === 'json_schema'
      ? { response_format: { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } } }
      : format?.type === 'json_object'
        ? { response_format: { type: 'json_object' } }
        : {}),
  };
}

export interface ResponsesUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

function usageOf(u: ResponsesUsage): Json {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens, cache_write_tokens: 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** A Response object around its output items. */
export function responseObject(
  id: string,
  model: string,
  output: Json[],
  stop: string,
  usage: ResponsesUsage | null,
): Json {
  const incomplete = stop === 'length';
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: usage === null ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete && usage !== null ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    model,
    output,
    parallel_tool_calls: true,
    metadata: {},
    tool_choice: 'auto',
    tools: [],
    temperature: 1,
    top_p: 1,
    // Absent until the response is done, as OpenAI's document has it (not null).
    ...(usage === null ? {} : { usage: usageOf(usage) }),
  };
}

export const messageItem = (id: string, text: string, status: string): Json => ({
  id,
  type: 'message',
  role: 'assistant',
  status,
  content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});

export const callItem = (id: string, callId: string, name: string, args: string, status: string): Json => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

/** Writes a Responses event stream: every event numbered, the output items opened and closed in turn. */
export class ResponsesEvents {
  private seq = 0;

  event(type: string, data: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: this.seq++ })}\n\n`;
  }
}
