import { createHash } from 'node:crypto';
import { jsonObjectIn, readScores, RUBRIC_SCHEMA, strictObject } from './evaluation.js';
import type { Criterion } from './prompts.js';

/** The labels answers are shown under in a review: A, B, C… */
export const labelsFor = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => String.fromCharCode(65 + i));

/** A deterministic generator of numbers in [0, 1) from a text seed (mulberry32 over its hash). */
function generator(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `items` in an order fixed by `seed` (Fisher–Yates): the same seed gives the same order. */
export function seededShuffle<T>(items: readonly T[], seed: string): T[] {
  const next = generator(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** What one reviewer sees: each label and the answer (step) behind it. */
export interface ReviewSheet {
  reviewer: string;
  /** label → step id, in label order. */
  labels: Record<string, string>;
}

/**
 * The sheets of a council's reviews: every member reviews the others' answers (and its own too,
 * without self-recusal), under labels shuffled per reviewer from the run's seed, so that neither a
 * position nor a label tells whose an answer is.
 */
export function reviewSheets(
  members: { reviewer: string; stepId: string }[],
  answers: string[],
  seed: string,
  selfRecusal: boolean,
): ReviewSheet[] {
  return members.map(({ reviewer, stepId }) => {
    const shown = answers.filter((id) => !selfRecusal || id !== stepId);
    const order = seededShuffle(shown, `${seed}|${reviewer}`);
    const labels = labelsFor(order.length);
    return { reviewer, labels: Object.fromEntries(labels.map((label, i) => [label, order[i]])) };
  });
}

/** A review's shape for answers under `labels`, for a provider that enforces a schema. */
export function reviewFormat(labels: string[]) {
  return {
    name: 'review',
    schema: strictObject({
      scores: strictObject(Object.fromEntries(labels.map((l) => [l, RUBRIC_SCHEMA]))),
      ranking: {
        type: 'array',
        items: { type: 'string', enum: labels },
        minItems: labels.length,
        maxItems: labels.length,
      },
    }),
  };
}

/** A review as a reviewer gave it, by label. */
export interface Review {
  /** Labels, best first: each label exactly once. */
  ranking: string[];
  /** Rubric scores (1–10) of each label. */
  scores: Record<string, Record<Criterion, number>>;
  /** The reviewer said it is simulated (the upstream simulator): no judgement. */
  simulated: boolean;
}

/** "A", "Response A", "answer b", "[C]" → the label; anything else → null. */
function labelOf(value: unknown, labels: string[]): string | null {
  if (typeof value !== 'string') return null;
  const match = /^\s*(?:\[|\()?\s*(?:response|answer)?\s*([a-z])\s*(?:\]|\))?\s*[.:]?\s*$/i.exec(value);
  const label = match?.[1].toUpperCase() ?? null;
  return label !== null && labels.includes(label) ? label : null;
}

/** A "FINAL RANKING:" list in prose ("1. Response C" lines), for a reviewer that wrote no JSON. */
function rankingInProse(text: string, labels: string[]): string[] | null {
  const at = text.search(/final ranking\s*:/i);
  if (at < 0) return null;
  const found = [...text.slice(at).matchAll(/^\s*\d+[.)]\s*(.+)$/gm)].map((m) => labelOf(m[1], labels));
  return found.every((l) => l !== null) ? found : null;
}

/**
 * Reads a review of answers shown under `labels`. Tolerant of prose or fences around the JSON, of
 * labels written "Response A", and of a prose "FINAL RANKING:" list; strict about what counts: the
 * ranking names every label once (no ties, none left out), and every label has a score from 1 to
 * 10 for each criterion. Returns an error message when the review cannot be used.
 */
export function parseReview(text: string, labels: string[]): Review | { error: string } {
  const parsed = jsonObjectIn(text);
  const root = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const ranking = Array.isArray(root.ranking)
    ? root.ranking.map((l) => labelOf(l, labels))
    : rankingInProse(text, labels);
  if (ranking === null) return { error: 'the review has no ranking' };
  if (ranking.some((l) => l === null)) return { error: `the ranking names a label other than ${labels.join(', ')}` };
  if (new Set(ranking).size !== ranking.length || ranking.length !== labels.length) {
    return { error: `the ranking must name each of ${labels.join(', ')} exactly once` };
  }
  const given = (typeof root.scores === 'object' && root.scores !== null ? root.scores : {}) as Record<string, unknown>;
  const byLabel = new Map(Object.entries(given).map(([key, value]) => [labelOf(key, labels), value]));
  const scores: Record<string, Record<Criterion, number>> = {};
  for (const label of labels) {
    const read = readScores(byLabel.get(label));
    if ('error' in read) return { error: `answer ${label}: ${read.error}` };
    scores[label] = read.scores;
  }
  return { ranking: ranking as string[], scores, simulated: root.simulated === true };
}

/** One answer's place in the council's aggregate. */
export interface RankedItem {
  id: string;
  /** Borda count: on a ballot of k answers, the first gets k−1 points, the last 0. */
  borda: number;
  /** Mean position (1 = best) over the ballots that ranked it. */
  meanRank: number;
  ballots: number;
}

/**
 * Aggregates ballots (ids, best first; a ballot may leave some ids out, as a reviewer recused from
 * its own answer does): Borda count, then mean rank, then id order for what is still tied, with
 * Kendall's W as the agreement (see kendallW). Ids no ballot ranked are left out.
 */
export function aggregateRanks(ids: string[], ballots: string[][]): { ranked: RankedItem[]; agreement: number | null } {
  const items = new Map(ids.map((id) => [id, { id, borda: 0, rankSum: 0, ballots: 0 }]));
  for (const ballot of ballots) {
    ballot.forEach((id, position) => {
      const item = items.get(id);
      if (item === undefined) return;
      item.borda += ballot.length - 1 - position;
      item.rankSum += position + 1;
      item.ballots += 1;
    });
  }
  const ranked = [...items.values()]
    .filter((i) => i.ballots > 0)
    .map((i) => ({
      id: i.id,
      borda: i.borda,
      meanRank: Math.round((i.rankSum / i.ballots) * 1000) / 1000,
      ballots: i.ballots,
    }))
    .sort((a, b) => b.borda - a.borda || a.meanRank - b.meanRank || ids.indexOf(a.id) - ids.indexOf(b.id));
  return {
    ranked,
    agreement: kendallW(
      ranked.map((r) => r.id),
      ballots,
    ),
  };
}

/**
 * Kendall's W, 0 (no agreement) to 1 (every ballot the same order): S, the sum of squared
 * deviations of the items' rank sums from what chance gives them, over the S that full agreement
 * would give. With complete ballots that is Kendall's W exactly, 12·S / (m²(n³ − n)); with ballots
 * that each leave some items out (self-recusal), full agreement is every ballot following the
 * consensus order (`consensus`, best first) on the items it ranks. Null with fewer than two
 * ballots of two or more items, or when full agreement gives no spread to measure.
 */
export function kendallW(consensus: string[], ballots: string[][]): number | null {
  const usable = ballots.filter((b) => b.length >= 2);
  if (usable.length < 2) return null;
  const spread = (rankOf: (ballot: string[], id: string) => number) => {
    let s = 0;
    for (const id of consensus) {
      let sum = 0;
      let expected = 0;
      for (const ballot of usable) {
        if (!ballot.includes(id)) continue;
        sum += rankOf(ballot, id);
        expected += (ballot.length + 1) / 2;
      }
      s += (sum - expected) ** 2;
    }
    return s;
  };
  const observed = spread((ballot, id) => ballot.indexOf(id) + 1);
  const agreed = spread((ballot, id) => consensus.filter((c) => ballot.includes(c)).indexOf(id) + 1);
  if (agreed === 0) return null;
  // The consensus is the Borda order, which full agreement cannot beat; the bound guards rounding.
  return Math.round(Math.min(1, observed / agreed) * 1000) / 1000;
}
