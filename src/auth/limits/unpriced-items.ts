/**
 * What a request asks a provider to do that it bills beyond the request's tokens, so no hold can
 * bound it from the request: files it reads by id or URL (their text and pages are billed as
 * input), and hosted tools (web search, code interpreter, file search…), billed per use. A key
 * with a budget may send them only where an admin allowed each with a USD ceiling (`unpriced`).
 */

/** The kinds a key may be given a ceiling for; a hosted tool of another type is `other`. */
export const UNPRICED_KINDS = [
  'file',
  'web_search',
  'web_fetch',
  'file_search',
  'code_interpreter',
  'code_execution',
  'image_generation',
  'mcp',
  'other',
] as const;
export type UnpricedKind = (typeof UNPRICED_KINDS)[number];

/**
 * Tool types a client runs itself: their calls are the model's output tokens, nothing more
 * (OpenAI's function and custom tools; Anthropic's bash, text editor, computer and memory tools).
 */
const CLIENT_TOOLS = new Set(['function', 'custom', 'bash', 'text_editor', 'computer', 'memory']);
/** How deep a body is walked; deeper bodies are refused before they get here (the JSON depth limit). */
const MAX_DEPTH = 64;

/** A tool's type without a version date or `_preview` (`web_search_20250305` → `web_search`). */
function baseType(type: string): string {
  return type.replace(/_\d{8}$/, '').replace(/_preview$/, '');
}

/** A hosted tool's kind: its base type when a key can be given a ceiling for it by name, else `other`. */
function toolKind(type: string): UnpricedKind {
  const base = baseType(type);
  return (UNPRICED_KINDS as readonly string[]).includes(base) ? (base as UnpricedKind) : 'other';
}

/** Kinds of unpriced items in a request body (OpenAI chat, Responses, Anthropic Messages), with how often each occurs. */
export function unpricedItemsOf(body: unknown): Map<UnpricedKind, number> {
  const found = new Map<UnpricedKind, number>();
  const add = (kind: UnpricedKind) => found.set(kind, (found.get(kind) ?? 0) + 1);
  if (isObject(body)) {
    if (body.web_search_options !== undefined && body.web_search_options !== null) add('web_search');
    if (Array.isArray(body.tools)) {
      for (const tool of body.tools) {
        // Anthropic's client tools have no type; OpenAI's are `function` or `custom`.
        if (isObject(tool) && typeof tool.type === 'string' && !CLIENT_TOOLS.has(baseType(tool.type))) {
          add(toolKind(tool.type));
        }
      }
    }
  }
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    if (!isObject(value)) return;
    if (isUnpricedFile(value)) add('file');
    for (const [key, child] of Object.entries(value)) if (key !== 'tools') walk(child, depth + 1);
  };
  walk(isObject(body) ? (body.messages ?? body.input) : undefined, 0);
  return found;
}

/** A content part that names a file the provider fetches or keeps: by id or by URL (inline data is counted as bytes). */
function isUnpricedFile(part: Record<string, unknown>): boolean {
  if (part.type === 'file' && isObject(part.file))
    return part.file.file_id !== undefined || part.file.file_url !== undefined;
  if (part.type === 'input_file') return part.file_id !== undefined || part.file_url !== undefined;
  if (part.type === 'document' && isObject(part.source))
    return part.source.type === 'url' || part.source.type === 'file';
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
