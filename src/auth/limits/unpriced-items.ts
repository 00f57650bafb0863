/**
 * What a request asks a provider to do that it bills beyond the request's tokens, so no hold can
 * bound it from the request: files it reads by id or URL (their text and pages are billed as
 * input), and hosted tools (web search, code interpreter, file search…), billed per use. A key
 * with a budget may send them only where an admin allowed each with a USD ceiling (`unpriced`).
 */

/** Tool types a client runs itself: their calls are the model's output tokens, nothing more. */
const CLIENT_TOOLS = new Set(['function', 'custom']);
/** How deep a body is walked; deeper bodies are refused before they get here (the JSON depth limit). */
const MAX_DEPTH = 64;

/** A hosted tool's kind: its type without a version date or `_preview` (`web_search_20250305` → `web_search`). */
export function toolKind(type: string): string {
  return type.replace(/_\d{8}$/, '').replace(/_preview$/, '');
}

/** Kinds of unpriced items in a request body (OpenAI chat, Responses, Anthropic Messages), with how often each occurs. */
export function unpricedItemsOf(body: unknown): Map<string, number> {
  const found = new Map<string, number>();
  const add = (kind: string) => found.set(kind, (found.get(kind) ?? 0) + 1);
  if (isObject(body)) {
    if (body.web_search_options !== undefined && body.web_search_options !== null) add('web_search');
    if (Array.isArray(body.tools)) {
      for (const tool of body.tools) {
        // Anthropic's client tools have no type; OpenAI's are `function` or `custom`.
        if (isObject(tool) && typeof tool.type === 'string' && !CLIENT_TOOLS.has(tool.type)) add(toolKind(tool.type));
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
