import { SeededWords } from './simulated-text.js';

type Json = Record<string, unknown>;

/** A tool the request offers, in one shape for both dialects. */
export interface SimTool {
  name: string;
  schema: Json;
}

/** A call the simulated model makes. */
export interface SimToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text. */
  arguments: string;
}

/** An image the request carries, as the simulator acknowledges it. */
export interface SimImage {
  mediaType: string;
  /** Bytes of a data URL or base64 source; null for an image given by URL. */
  bytes: number | null;
  url: string | null;
}

/** What of a request decides an agent-like answer: its tools, the last tool results, images, a schema. */
export interface AgentAsk {
  tools: SimTool[];
  /** `auto`, `required` (a call must be made), `none`, or the name of the one tool to call. */
  toolChoice: string;
  parallelToolCalls: boolean;
  /** The results of the tools the last turn called (the conversation's last message or block). */
  toolResults: string[];
  /** The assistant turns of the conversation that called tools. */
  toolTurns: number;
  images: SimImage[];
  /** A JSON schema the answer must follow (`json_schema` / `output_config.format`). */
  schema: Json | null;
}

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return list(content)
    .map((p) =>
      isRecord(p) && typeof p.text === 'string'
        ? p.text
        : isRecord(p) && p.type === 'tool_result'
          ? textOf(p.content)
          : '',
    )
    .join('');
}

function imageOfUrl(url: string): SimImage {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { mediaType: data[1], bytes: Buffer.from(data[2], 'base64').length, url: null };
  return { mediaType: 'image/*', bytes: null, url };
}

/** The images of every message (OpenAI `image_url` parts, Anthropic `image` blocks). */
function imagesOf(messages: Json[]): SimImage[] {
  const images: SimImage[] = [];
  for (const m of messages) {
    for (const part of list(m.content)) {
      if (!isRecord(part)) continue;
      if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') {
        images.push(imageOfUrl(part.image_url.url));
      } else if (part.type === 'image' && isRecord(part.source)) {
        const s = part.source;
        images.push(
          s.type === 'base64' && typeof s.data === 'string'
            ? { mediaType: String(s.media_type), bytes: Buffer.from(s.data, 'base64').length, url: null }
            : { mediaType: 'image/*', bytes: null, url: typeof s.url === 'string' ? s.url : null },
        );
      }
    }
  }
  return images;
}

export function readAgentAsk(dialect: 'openai' | 'anthropic', body: Json): AgentAsk {
  const messages = list(body.messages).filter(isRecord);
  const last = messages.at(-1);
  if (dialect === 'openai') {
    const tools = list(body.tools)
      .filter(isRecord)
      .flatMap((t) =>
        isRecord(t.function) && typeof t.function.name === 'string'
          ? [{ name: t.function.name, schema: isRecord(t.function.parameters) ? t.function.parameters : {} }]
          : [],
      );
    const choice = body.tool_choice;
    const format = isRecord(body.response_format) ? body.response_format : undefined;
    // The trailing `tool` messages answer the assistant's last calls.
    const results: string[] = [];
    for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i -= 1)
      results.unshift(textOf(messages[i].content));
    return {
      tools,
      toolChoice:
        typeof choice === 'string'
          ? choice
          : isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string'
            ? choice.function.name
            : 'auto',
      parallelToolCalls: body.parallel_tool_calls !== false,
      toolResults: results,
      toolTurns: messages.filter((m) => m.role === 'assistant' && list(m.tool_calls).length > 0).length,
      images: imagesOf(messages),
      schema:
        format?.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)
          ? format.json_schema.schema
          : null,
    };
  }
  const tools = list(body.tools)
    .filter(isRecord)
    .flatMap((t) =>
      typeof t.name === 'string' ? [{ name: t.name, schema: isRecord(t.input_schema) ? t.input_schema : {} }] : [],
    );
  const choice = isRecord(body.tool_choice) ? body.tool_choice : { type: 'auto' };
  const output =
    isRecord(body.output_config) && isRecord(body.output_config.format) ? body.output_config.format : undefined;
  const results =
    last?.role === 'user'
      ? list(last.content)
          .filter((b) => isRecord(b) && b.type === 'tool_result')
          .map((b) => textOf((b as Json).content))
      : [];
  return {
    tools,
    toolChoice:
      choice.type === 'tool' && typeof choice.name === 'string'
        ? choice.name
        : choice.type === 'any'
          ? 'required'
          : String(choice.type),
    parallelToolCalls: choice.disable_parallel_tool_use !== true,
    toolResults: results,
    toolTurns: messages.filter(
      (m) => m.role === 'assistant' && list(m.content).some((b) => isRecord(b) && b.type === 'tool_use'),
    ).length,
    images: imagesOf(messages),
    schema: output?.type === 'json_schema' && isRecord(output.schema) ? output.schema : null,
  };
}

/** A value that satisfies `schema` (the subset structured outputs use), drawn from `rng`. */
export function valueFor(schema: Json, rng: SeededWords, depth = 0): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[rng.int(0, schema.enum.length - 1)];
  if ('const' in schema) return schema.const;
  const options = list(schema.anyOf ?? schema.oneOf).filter(isRecord);
  if (options.length > 0) return valueFor(options[0], rng, depth);
  const type: unknown = Array.isArray(schema.type)
    ? ((schema.type as unknown[]).find((t) => t !== 'null') ?? 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, sub]) => [
          key,
          depth > 6 ? null : valueFor(isRecord(sub) ? sub : {}, rng, depth + 1),
        ]),
      );
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 2);
      const items = isRecord(schema.items) ? schema.items : { type: 'string' };
      return Array.from({ length: Math.min(max, Math.max(min, 2)) }, () => valueFor(items, rng, depth + 1));
    }
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
      const max = typeof schema.maximum === 'number' ? Math.floor(schema.maximum) : min + 99;
      return rng.int(min, Math.max(min, max));
    }
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const max = typeof schema.maximum === 'number' ? schema.maximum : min + 100;
      return Math.round((min + ((max - min) * rng.int(0, 1000)) / 1000) * 100) / 100;
    }
    case 'boolean':
      return rng.int(0, 1) === 1;
    case 'null':
      return null;
    default:
      return `${rng.word()} ${rng.word()}`;
  }
}

/**
 * The calls a simulated model makes: none when the conversation already holds `rounds` turns of
 * tool calls and the last brought their results (it answers from them), when no tool is offered
 * or `tool_choice` is `none`; else one call of the named tool or of the first, and with parallel
 * calls allowed and `required`, one of each tool.
 */
export function toolCallsFor(ask: AgentAsk, seed: string, idPrefix: string, rounds = 1): SimToolCall[] {
  if (ask.toolResults.length > 0 && ask.toolTurns >= rounds) return [];
  if (ask.tools.length === 0 || ask.toolChoice === 'none') return [];
  const named = ask.tools.find((t) => t.name === ask.toolChoice);
  const chosen = named ? [named] : ask.toolChoice === 'required' && ask.parallelToolCalls ? ask.tools : [ask.tools[0]];
  const rng = new SeededWords(`tools:${seed}`);
  const round = ask.toolTurns === 0 ? '' : `r${ask.toolTurns}_`;
  return chosen.map((tool, i) => ({
    id: `${idPrefix}${round}${i}_${rng.int(100000, 999999)}`,
    name: tool.name,
    arguments: JSON.stringify(valueFor({ type: 'object', ...tool.schema }, rng)),
  }));
}

/** The text that opens an answer to a request with images or tool results (empty otherwise). */
export function acknowledgement(ask: AgentAsk): string {
  const parts: string[] = [];
  if (ask.images.length > 0) {
    const described = ask.images.map((i) => (i.bytes !== null ? `${i.mediaType}, ${i.bytes} bytes` : `${i.url}`));
    parts.push(`I see ${ask.images.length} image${ask.images.length === 1 ? '' : 's'} (${described.join('; ')}).`);
  }
  if (ask.toolResults.length > 0) parts.push(`From the tool result: ${ask.toolResults.join(' | ')}.`);
  return parts.length === 0 ? '' : `${parts.join(' ')} `;
}
