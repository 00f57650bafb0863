import type { ChatMessage } from '../../providers/provider.types.js';

/**
 * Every instruction the engine gives a model, in one place. A prompt's version changes whenever its
 * text does; each step stores the id and version of the prompt it was given, with the messages.
 */
export const PROMPT_VERSIONS = {
  answer: 1,
  evaluate: 1,
  refine: 1,
  aggregate: 1,
} as const;
export type PromptId = keyof typeof PROMPT_VERSIONS;

export interface BuiltPrompt {
  id: PromptId;
  version: number;
  messages: ChatMessage[];
}

export const EVALUATION_CRITERIA = ['accuracy', 'relevance', 'clarity', 'completeness', 'domain_expertise'] as const;
export type Criterion = (typeof EVALUATION_CRITERIA)[number];

const built = (id: PromptId, messages: ChatMessage[]): BuiltPrompt => ({ id, version: PROMPT_VERSIONS[id], messages });

/** The prompt itself, after the thread's earlier messages (the context). */
export function answerPrompt(history: ChatMessage[], prompt: string, domain: string): BuiltPrompt {
  return built('answer', [
    {
      role: 'system',
      content: `You are an expert assistant. The request is in the domain of ${domain}. Answer accurately, completely and clearly.`,
    },
    ...history,
    { role: 'user', content: prompt },
  ]);
}

export function evaluationPrompt(prompt: string, answer: string, domain: string): BuiltPrompt {
  return built('evaluate', [
    {
      role: 'system',
      content:
        'You are a strict reviewer. Score the answer to the request from 1 (very poor) to 10 (excellent) on ' +
        `${EVALUATION_CRITERIA.join(', ')} (expertise in ${domain}). Name its strengths, its weaknesses and ` +
        'concrete suggestions to improve it. Respond with JSON only, exactly of this shape: ' +
        '{"scores":{"accuracy":n,"relevance":n,"clarity":n,"completeness":n,"domain_expertise":n},' +
        '"strengths":["…"],"weaknesses":["…"],"suggestions":["…"]}',
    },
    { role: 'user', content: `Request:\n${prompt}\n\nAnswer to review:\n${answer}` },
  ]);
}

export function refinementPrompt(
  history: ChatMessage[],
  prompt: string,
  answer: string,
  critiques: { weaknesses: string[]; suggestions: string[] }[],
): BuiltPrompt {
  const weaknesses = critiques.flatMap((c) => c.weaknesses);
  const suggestions = critiques.flatMap((c) => c.suggestions);
  const list = (items: string[]) => (items.length === 0 ? '- (none given)' : items.map((i) => `- ${i}`).join('\n'));
  return built('refine', [
    {
      role: 'system',
      content:
        'You are an expert assistant improving your earlier answer after review. Write the complete improved answer; ' +
        'do not mention the review.',
    },
    ...history,
    { role: 'user', content: prompt },
    { role: 'assistant', content: answer },
    {
      role: 'user',
      content: `Reviewers found these weaknesses:\n${list(weaknesses)}\n\nAnd suggest:\n${list(suggestions)}\n\nWrite the improved answer.`,
    },
  ]);
}

export function aggregationPrompt(history: ChatMessage[], prompt: string, proposals: string[]): BuiltPrompt {
  const numbered = proposals.map((p, i) => `Response ${i + 1}:\n${p}`).join('\n\n');
  return built('aggregate', [
    {
      role: 'system',
      content:
        'You have been given several responses to the latest request from different models. Critically evaluate ' +
        'them, recognising that some may be wrong or biased, and synthesise one answer that is better than each. ' +
        'Do not simply copy one; do not mention the responses.',
    },
    ...history,
    { role: 'user', content: `${prompt}\n\n---\n${numbered}` },
  ]);
}

/** A proposer in a later Mixture-of-Agents layer sees the previous layer's answers as references. */
export function layeredAnswerPrompt(
  history: ChatMessage[],
  prompt: string,
  domain: string,
  references: string[],
): BuiltPrompt {
  if (references.length === 0) return answerPrompt(history, prompt, domain);
  const base = answerPrompt(history, prompt, domain);
  const notes = references.map((r, i) => `Reference ${i + 1}:\n${r}`).join('\n\n');
  base.messages[0] = {
    role: 'system',
    content: `${base.messages[0].content} Other models answered as below; use what is right in them and correct what is not.\n\n${notes}`,
  };
  return base;
}
