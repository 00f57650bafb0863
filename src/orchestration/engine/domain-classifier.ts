import { DOMAINS, type Domain } from '../../common/domains.js';

export type Complexity = 'low' | 'medium' | 'high';

export interface Classification {
  domain: Domain;
  complexity: Complexity;
  /** Why: the signals that decided, strongest first. */
  reasons: string[];
  /** Score of every domain that matched something. */
  scores: Partial<Record<Domain, number>>;
}

/** A signal: a pattern (case-insensitive) and what it weighs for its domain. */
type Signal = [pattern: RegExp, weight: number, label: string];

const w = (source: string, weight: number, label = source): Signal => [new RegExp(source, 'i'), weight, label];

/** Weighted keywords and patterns per domain ("general" is what wins when nothing else does). */
const SIGNALS: Record<Exclude<Domain, 'general'>, Signal[]> = {
  coding: [
    w('```', 4, 'code block'),
    w(
      '\\b(function|method|class|variable|compile[rs]?|runtime|stack trace|exception|refactor|debug|bug)\\b',
      2,
      'programming term',
    ),
    w(
      '\\b(python|javascript|typescript|java|rust|golang|c\\+\\+|c#|sql|bash|regex|html|css|react|node\\.?js)\\b',
      3,
      'language or framework',
    ),
    w('\\b(api|endpoint|database|query|algorithm|unit test|git)\\b', 1.5, 'software term'),
    w('\\b(write|implement|fix)\\b.{0,40}\\b(code|function|script|program|test)\\b', 3, 'asks for code'),
    // Anchored at a name's start and bounded: `[a-z_]+\(` alone backtracks over a long run of letters.
    w('(?<![a-z_])[a-z_]{1,64}\\([^)]{0,200}\\)\\s*[{;:]', 3, 'code syntax'),
  ],
  math: [
    w(
      '\\b(equation|integral|derivative|matrix|theorem|lemma|prime|probability|algebra|calculus|geometry|polynomial)\\b',
      3,
      'mathematical term',
    ),
    w('\\b(solve|prove|compute|calculate|simplify|factor)\\b', 2, 'mathematical verb'),
    w('(?<!\\d)\\d{1,30}\\s*[-+*/^]\\s*\\d', 2, 'arithmetic'),
    w('[=<>≤≥∑∫√π]', 1, 'mathematical symbol'),
    w('\\b(x|y|n)\\s*[=^]', 1.5, 'variable'),
  ],
  creative: [
    w('\\b(poem|story|haiku|lyrics|song|novel|fiction|screenplay|limerick|fairy tale)\\b', 4, 'creative form'),
    w('\\b(imagine|creative|character|plot|metaphor|rhyme|slogan|tagline)\\b', 2, 'creative term'),
    w('\\bwrite (me )?an? (short )?(poem|story|song|joke)', 3, 'asks for a creative piece'),
  ],
  analysis: [
    w(
      '\\b(analy[sz]e|analysis|compare|contrast|evaluate|assess|trade-?offs?|pros and cons|swot)\\b',
      3,
      'analytical verb',
    ),
    w('\\b(data|trend|metric|report|market|strategy|impact|risk)\\b', 1.5, 'analytical subject'),
    w('\\b(summari[sz]e|review|critique)\\b', 2, 'review request'),
  ],
  reasoning: [
    w('\\b(why|reason|logic|logical|deduce|infer|puzzle|riddle|paradox|dilemma)\\b', 2, 'reasoning term'),
    w('\\bstep[- ]by[- ]step\\b', 2.5, 'asks for steps'),
    w('\\bif\\b.{0,60}\\bthen\\b', 2, 'conditional'),
    w('\\b(plan|decide|should i|what would happen)\\b', 1.5, 'decision'),
  ],
  translation: [
    w('\\btranslat(e|ion|ing)\\b', 5, 'translate'),
    w(
      '\\b(into|to|from) (english|french|german|spanish|italian|portuguese|chinese|japanese|korean|arabic|russian|hindi|dutch)\\b',
      3,
      'target language',
    ),
    w('\\b(in|en) (français|español|deutsch)\\b', 2, 'language name'),
  ],
  factual: [
    w('^(who|what|when|where|which)\\b', 2, 'factual question'),
    w(
      '\\b(capital of|population of|history of|founded|invented|born|located|definition of|define)\\b',
      3,
      'fact lookup',
    ),
    w('\\b(how many|how much|how tall|how old|what year)\\b', 2, 'quantity question'),
  ],
};

const COMPLEX =
  /\b(design|architecture|prove|optimi[sz]e|trade-?offs?|in depth|comprehensive|detailed|multi-?step|distributed|scalab\w*)\b/gi;

function complexityOf(prompt: string): { level: Complexity; reason: string } {
  const words = prompt.split(/\s+/).filter((x) => x.length > 0).length;
  const questions = (prompt.match(/\?/g) ?? []).length;
  const hard = new Set((prompt.match(COMPLEX) ?? []).map((m) => m.toLowerCase())).size;
  const points = (words > 150 ? 2 : words > 40 ? 1 : 0) + (questions > 2 ? 1 : 0) + Math.min(hard, 2);
  const level: Complexity = points >= 3 ? 'high' : points >= 1 ? 'medium' : 'low';
  return { level, reason: `complexity ${level}: ${words} words, ${questions} questions, ${hard} demanding terms` };
}

/**
 * Characters of a prompt its domain is read from: the start says what is asked, and each pattern's
 * cost then stays bounded whatever the prompt (99,000 × `a` once held the thread for 4.3 s).
 */
const CLASSIFIED_CHARS = 8_000;

/** Gives a prompt a domain, a complexity and the reasons, from weighted keywords and patterns. */
export function classifyPrompt(whole: string): Classification {
  const prompt = whole.slice(0, CLASSIFIED_CHARS);
  const scores: Partial<Record<Domain, number>> = {};
  const hits: { domain: Domain; label: string; weight: number }[] = [];
  for (const [domain, signals] of Object.entries(SIGNALS) as [Exclude<Domain, 'general'>, Signal[]][]) {
    for (const [pattern, weight, label] of signals) {
      if (pattern.test(prompt)) {
        scores[domain] = (scores[domain] ?? 0) + weight;
        hits.push({ domain, label, weight });
      }
    }
  }
  const ranked = (Object.entries(scores) as [Domain, number][]).sort(
    (a, b) => b[1] - a[1] || DOMAINS.indexOf(a[0]) - DOMAINS.indexOf(b[0]),
  );
  const complexity = complexityOf(whole);
  const [best] = ranked;
  if (best === undefined || best[1] < 2) {
    return {
      domain: 'general',
      complexity: complexity.level,
      reasons: ['no domain signal strong enough: general', complexity.reason],
      scores,
    };
  }
  const domain = best[0];
  const reasons = hits
    .filter((h) => h.domain === domain)
    .sort((a, b) => b.weight - a.weight)
    .map((h) => `${domain}: ${h.label} (+${h.weight})`);
  const runnerUp = ranked[1];
  if (runnerUp !== undefined) reasons.push(`runner-up ${runnerUp[0]} scored ${runnerUp[1]} against ${best[1]}`);
  reasons.push(complexity.reason);
  return { domain, complexity: complexity.level, reasons, scores };
}
