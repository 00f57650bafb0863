import { OpenAiError } from './openai-error.js';

/**
 * The shape of the main fields of each wire API's body, checked before a request is translated or
 * forwarded: a malformed body is a 400 naming its field here, never a provider's 5xx, a crash in a
 * translator or an SDK ("tools is not iterable") on the way out. Only what a field must be at all
 * is checked (the dialects check what it may say); `null` is an absent field.
 */
type Rule = (value: unknown, at: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Rule = (v, at) => (typeof v === 'string' ? null : `${at} must be a string`);
const boolean: Rule = (v, at) => (typeof v === 'boolean' ? null : `${at} must be true or false`);
const number: Rule = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : `${at} must be a number`);
const count: Rule = (v, at) =>
  Number.isInteger(v) && (v as number) >= 1 ? null : `${at} must be a whole number of 1 or more`;
const object: Rule = (v, at) => (isObject(v) ? null : `${at} must be an object`);
const either =
  (...rules: Rule[]): Rule =>
  (v, at) => {
    const problems = rules.map((rule) => rule(v, at));
    return problems.includes(null)
      ? null
      : problems
          .map((p) => p?.replace(`${at} must be `, ''))
          .join(' or ')
          .replace(/^/, `${at} must be `);
  };
/** An object whose `field` is a string (a message's role, a tool's or part's type). */
const objectWith =
  (field: string): Rule =>
  (v, at) =>
    !isObject(v) ? `${at} must be an object` : typeof v[field] === 'string' ? null : `${at}.${field} must be a string`;
const arrayOf =
  (item: Rule, nonEmpty = false): Rule =>
  (v, at) => {
    if (!Array.isArray(v) || (nonEmpty && v.length === 0))
      return `${at} must be ${nonEmpty ? 'a non-empty' : 'an'} array`;
    for (const [i, element] of v.entries()) {
      const problem = item(element, `${at}[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  };

const SHAPES = {
  chat: {
    messages: arrayOf(objectWith('role'), true),
    tools: arrayOf(objectWith('type')),
    tool_choice: either(string, object),
    stream: boolean,
    stream_options: object,
    max_tokens: count,
    max_completion_tokens: count,
    n: count,
    temperature: number,
    top_p: number,
    response_format: objectWith('type'),
    stop: either(string, arrayOf(string)),
  },
  responses: {
    input: either(string, arrayOf(object, true)),
    instructions: string,
    tools: arrayOf(objectWith('type')),
    tool_choice: either(string, object),
    text: object,
    reasoning: object,
    stream: boolean,
    max_output_tokens: count,
    temperature: number,
    top_p: number,
  },
  messages: {
    messages: arrayOf(objectWith('role'), true),
    system: either(string, arrayOf(objectWith('type'))),
    tools: arrayOf(object),
    tool_choice: objectWith('type'),
    stream: boolean,
    max_tokens: count,
    temperature: number,
    top_p: number,
    stop_sequences: arrayOf(string),
  },
  embeddings: {
    dimensions: count,
    encoding_format: string,
  },
} satisfies Record<string, Record<string, Rule>>;

export type WireApi = keyof typeof SHAPES;

/** A 400 naming the first field of `body` whose shape is wrong for `api`. */
export function checkShape(api: WireApi, body: Record<string, unknown>): void {
  for (const [field, rule] of Object.entries<Rule>(SHAPES[api])) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const problem = rule(value, field);
    if (problem !== null) throw new OpenAiError(400, problem, { param: field, code: 'invalid_value' });
  }
}
