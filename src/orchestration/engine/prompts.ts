import type { ChatMessage } from '../../providers/provider.types.js';

/**
 * Every instruction the engine gives a model, in one place. A prompt's version changes whenever its
 * text does; each step stores the id and version of the prompt it was given, with the messages.
 */
export const PROMPT_VERSIONS = {
  answer: 1,
  evaluate: 2,
  refine: 1,
  aggregate: 2,
  review: 2,
  chair: 1,
  debate: 1,
  judge: 1,
} as const;
export type PromptId = keyof typeof PROMPT_VERSIONS;

export interface BuiltPrompt {
  id: PromptId;
  version: number;
  messages: ChatMessage[];
}

export const EVALUATION_CRITERIA = ['accuracy', 'relevance', 'clarity', 'completeness', 'domain_expertise'] as const;
export type Criterion = (typeof EVALUATION_CRITERIA)[number];

/** Strengths, weaknesses, suggestions: at most this many each (a bound a small model needs to stop). */
export const MAX_POINTS = 3;

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
        'You are a strict reviewer. Score the answer to the request with a whole number from 1 (very poor) to 10 ' +
        `(excellent) on ${EVALUATION_CRITERIA.join(', ')} (expertise in ${domain}). Name up to ${MAX_POINTS} of its ` +
        `strengths, up to ${MAX_POINTS} weaknesses and up to ${MAX_POINTS} concrete suggestions to improve it, each ` +
        'in one short sentence. Respond with JSON only, exactly of this shape: ' +
        '{"scores":{"accuracy":n,"relevance":n,"clarity":n,"completeness":n,"domain_expertise":n},' +
        '"strengths":["…"],"weaknesses":["…"],"suggestions":["…"]}',
    },
    { role: 'user', content: `Request:\n${prompt}\n\nAnswer to review:\n${answer}` },
  ]);
}

/**
 * A judging prompt asked once more after its answer could not be read: the same messages and a
 * note of what was wrong (a different prompt, so a model that samples deterministically does not
 * give the same unreadable answer again).
 */
export function reaskPrompt(prompt: BuiltPrompt, problem: string): BuiltPrompt {
  return {
    ...prompt,
    messages: [
      ...prompt.messages,
      {
        role: 'user',
        content:
          `Your previous reply could not be read: ${problem}. Reply again with the JSON object only, ` +
          'exactly of the shape asked, every text one short sentence.',
      },
    ],
  };
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

/**
 * The aggregator (Mixture-of-Agents): the responses go in the system message, as in the paper, and
 * the request alone is the user's turn, so the answer is written to the user, not as one more
 * numbered response.
 */
export function aggregationPrompt(history: ChatMessage[], prompt: string, proposals: string[]): BuiltPrompt {
  const listed = proposals.map((p, i) => `${i + 1}. ${p}`).join('\n\n');
  return built('aggregate', [
    {
      role: 'system',
      content:
        'You have been given several responses to the latest request from different models. Critically evaluate ' +
        'them, recognising that some may be wrong or biased, and synthesise one answer that is better than each. ' +
        'Do not simply copy one. Write only the answer: do not mention, number or label the responses.\n\n' +
        `Responses:\n${listed}`,
    },
    ...history,
    { role: 'user', content: prompt },
  ]);
}

/**
 * A council member's review of answers shown under labels only (no model names, in an order
 * shuffled for this reviewer): rubric scores for each, and a strict ranking.
 */
export function reviewPrompt(prompt: string, answers: { label: string; text: string }[], domain: string): BuiltPrompt {
  const labels = answers.map((a) => a.label);
  const rubric = `{${EVALUATION_CRITERIA.map((c) => `"${c}":n`).join(',')}}`;
  const shape = `{"scores":{${labels.map((l) => `"${l}":${rubric}`).join(',')}},"ranking":[${labels.map((l) => `"${l}"`).join(',')}]}`;
  return built('review', [
    {
      role: 'system',
      content:
        `You are a strict reviewer. Answers to the request are shown under the labels ${labels.join(', ')}; ` +
        'you are not told who wrote them. Score each with a whole number from 1 (very poor) to 10 (excellent) on ' +
        `${EVALUATION_CRITERIA.join(', ')} (expertise in ${domain}), then rank them from best to worst, each ` +
        'label exactly once, no ties. Respond with JSON only, exactly of this shape (ranking best first): ' +
        shape,
    },
    {
      role: 'user',
      content: `Request:\n${prompt}\n\n${answers.map((a) => `Answer ${a.label}:\n${a.text}`).join('\n\n')}`,
    },
  ]);
}

/**
 * The council's chairman: the members' answers under labels, the council's aggregate ranking and
 * each answer's mean scores; it writes the final answer to the user.
 */
export function chairmanPrompt(
  history: ChatMessage[],
  prompt: string,
  answers: { label: string; text: string; meanScore: number | null }[],
  ranking: string[],
): BuiltPrompt {
  const listed = answers
    .map((a) => `Answer ${a.label}${a.meanScore === null ? '' : ` (mean review score ${a.meanScore}/10)`}:\n${a.text}`)
    .join('\n\n');
  return built('chair', [
    {
      role: 'system',
      content:
        'You chair a council of models. Its members answered the latest request independently, then reviewed ' +
        `each other's answers anonymously; the council ranks them ${ranking.join(' > ')} (best first). Write the ` +
        'final answer to the request: keep what the best-ranked answers get right, correct what the reviews ' +
        'found wrong, and do not mention the council, the answers or their labels.\n\n' +
        listed,
    },
    ...history,
    { role: 'user', content: prompt },
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

/**
 * A debate round (Du et al., 2023): the agent's own latest answer, then the other agents' latest
 * answers (unnamed), and the request to give an updated answer.
 */
export function debatePrompt(history: ChatMessage[], prompt: string, own: string, others: string[]): BuiltPrompt {
  const listed = others.map((o, i) => `Agent ${i + 1}:\n${o}`).join('\n\n');
  return built('debate', [
    {
      role: 'system',
      content:
        'You are an expert assistant taking part in a debate with other agents about the latest request. Read ' +
        'their answers critically, as advice that may be wrong, and write your complete updated answer. Do not ' +
        'mention the other agents or the debate.',
    },
    ...history,
    { role: 'user', content: prompt },
    { role: 'assistant', content: own },
    {
      role: 'user',
      content: `These are the latest answers of the other agents:\n\n${listed}\n\nUsing their reasoning as additional advice, give your updated answer to the request.`,
    },
  ]);
}

/** The debate's judge: the agents' final answers, unnamed; it writes the final answer. */
export function judgePrompt(history: ChatMessage[], prompt: string, answers: string[]): BuiltPrompt {
  const listed = answers.map((a, i) => `Answer ${i + 1}:\n${a}`).join('\n\n');
  return built('judge', [
    {
      role: 'system',
      content:
        'You judge a debate between agents on the latest request. Below are their final answers after several ' +
        'rounds of reading each other. Decide what is right, where they agree and where they still disagree, and ' +
        'write the final answer to the request. Do not mention the debate, the agents or the answers.\n\n' +
        listed,
    },
    ...history,
    { role: 'user', content: prompt },
  ]);
}
