import { aggregateRanks, kendallW, labelsFor, parseReview, reviewSheets, seededShuffle } from './council.js';

const RUBRIC = { accuracy: 8, relevance: 7, clarity: 9, completeness: 6, domain_expertise: 7 };

describe('aggregateRanks', () => {
  it('should give Borda points k−1…0 per ballot and the mean position, best first', () => {
    // Hand-computed: A 2+2+1 = 5, B 1+0+2 = 3, C 0+1+0 = 1; mean ranks 4/3, 6/3, 8/3.
    const { ranked } = aggregateRanks(
      ['A', 'B', 'C'],
      [
        ['A', 'B', 'C'],
        ['A', 'C', 'B'],
        ['B', 'A', 'C'],
      ],
    );
    expect(ranked).toEqual([
      { id: 'A', borda: 5, meanRank: 1.333, ballots: 3 },
      { id: 'B', borda: 3, meanRank: 2, ballots: 3 },
      { id: 'C', borda: 1, meanRank: 2.667, ballots: 3 },
    ]);
  });

  it('should break a Borda tie by mean rank, and leave out what no ballot ranked', () => {
    // Recused ballots: X ranks only [Y, Z], Y ranks [X, Z]; W is never ranked.
    const { ranked } = aggregateRanks(
      ['X', 'Y', 'Z', 'W'],
      [
        ['Y', 'Z'],
        ['X', 'Z'],
      ],
    );
    expect(ranked.map((r) => r.id)).toEqual(['X', 'Y', 'Z']);
    expect(ranked.map((r) => r.borda)).toEqual([1, 1, 0]);
  });
});

describe('kendallW', () => {
  it("should equal Kendall's W, 12S / (m²(n³ − n)), for complete ballots", () => {
    // Rank sums 4, 6, 8 around 6: S = 8; W = 96 / (9 × 24) = 0.444.
    const ballots = [
      ['A', 'B', 'C'],
      ['A', 'C', 'B'],
      ['B', 'A', 'C'],
    ];
    expect(kendallW(['A', 'B', 'C'], ballots)).toBe(0.444);
  });

  it('should be 1 when every ballot agrees and 0 when two ballots are opposite', () => {
    expect(
      kendallW(
        ['A', 'B', 'C'],
        [
          ['A', 'B', 'C'],
          ['A', 'B', 'C'],
        ],
      ),
    ).toBe(1);
    expect(
      kendallW(
        ['A', 'B', 'C'],
        [
          ['A', 'B', 'C'],
          ['C', 'B', 'A'],
        ],
      ),
    ).toBe(0);
  });

  it('should be 1 for recused ballots that all follow one order, and 0 for ballots that go round in a cycle', () => {
    // Each member leaves its own answer out: A ranks B, C; B ranks A, C; C ranks A, B.
    const agreeing = [
      ['B', 'C'],
      ['A', 'C'],
      ['A', 'B'],
    ];
    expect(kendallW(['A', 'B', 'C'], agreeing)).toBe(1);
    // B > C, C > A, A > B: every rank sum is 3, S = 0, while agreement on A, B, C would give S = 2.
    const cycle = [
      ['B', 'C'],
      ['C', 'A'],
      ['A', 'B'],
    ];
    expect(aggregateRanks(['A', 'B', 'C'], cycle).agreement).toBe(0);
  });

  it('should be null with fewer than two ballots of two answers', () => {
    expect(kendallW(['A', 'B'], [['A', 'B']])).toBeNull();
    expect(kendallW(['A', 'B'], [['A'], ['B']])).toBeNull();
  });
});

describe('seededShuffle and reviewSheets', () => {
  it('should give the same order for the same seed, a permutation every time, and other orders for other seeds', () => {
    const items = ['s1', 's2', 's3', 's4', 's5'];
    expect(seededShuffle(items, 'seed-1')).toEqual(seededShuffle(items, 'seed-1'));
    const orders = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const order = seededShuffle(items, `seed-${i}`);
      expect([...order].sort()).toEqual(items);
      orders.add(order.join());
    }
    expect(orders.size).toBeGreaterThan(5);
  });

  it("should leave each reviewer's own answer out with self-recusal, and shuffle labels per reviewer", () => {
    const members = [
      { reviewer: 'm/a', stepId: 's1' },
      { reviewer: 'm/b', stepId: 's2' },
      { reviewer: 'm/c', stepId: 's3' },
    ];
    const sheets = reviewSheets(members, ['s1', 's2', 's3'], 'run-seed', true);
    for (const [i, sheet] of sheets.entries()) {
      expect(Object.keys(sheet.labels)).toEqual(['A', 'B']);
      expect(Object.values(sheet.labels)).not.toContain(members[i].stepId);
    }
    const all = reviewSheets(members, ['s1', 's2', 's3'], 'run-seed', false);
    for (const sheet of all) expect(Object.values(sheet.labels).sort()).toEqual(['s1', 's2', 's3']);
    // The same run seed gives the same sheets (a takeover reviews what was reviewed).
    expect(reviewSheets(members, ['s1', 's2', 's3'], 'run-seed', false)).toEqual(all);
  });
});

describe('parseReview', () => {
  const labels = labelsFor(3);

  it('should read a JSON review wrapped in prose, with labels written as "Response B"', () => {
    const text = `Here is my review:\n\`\`\`json\n${JSON.stringify({
      ranking: ['Response B', 'A', '[C]'],
      scores: { A: RUBRIC, 'Response B': { ...RUBRIC, accuracy: '9' }, C: RUBRIC },
    })}\n\`\`\``;
    const review = parseReview(text, labels);
    expect(review).toEqual({
      ranking: ['B', 'A', 'C'],
      scores: { A: RUBRIC, B: { ...RUBRIC, accuracy: 9 }, C: RUBRIC },
      simulated: false,
    });
  });

  it('should read a prose FINAL RANKING when the ranking is not in the JSON', () => {
    const text = `${JSON.stringify({ scores: { A: RUBRIC, B: RUBRIC, C: RUBRIC } })}\n\nFINAL RANKING:\n1. Response C\n2. Response A\n3. Response B`;
    expect(parseReview(text, labels)).toMatchObject({ ranking: ['C', 'A', 'B'] });
  });

  it('should refuse a ranking with a tie, a label left out or an unknown one, and missing scores', () => {
    const scores = { A: RUBRIC, B: RUBRIC, C: RUBRIC };
    expect(parseReview(JSON.stringify({ ranking: ['A', 'A', 'B'], scores }), labels)).toEqual({
      error: 'the ranking must name each of A, B, C exactly once',
    });
    expect(parseReview(JSON.stringify({ ranking: ['A', 'B'], scores }), labels)).toHaveProperty('error');
    expect(parseReview(JSON.stringify({ ranking: ['A', 'B', 'D'], scores }), labels)).toEqual({
      error: 'the ranking names a label other than A, B, C',
    });
    expect(parseReview(JSON.stringify({ ranking: ['A', 'B', 'C'], scores: { A: RUBRIC, B: RUBRIC } }), labels)).toEqual(
      { error: 'answer C: no score from 1 to 10 for accuracy' },
    );
    expect(parseReview('I liked them all.', labels)).toEqual({ error: 'the review has no ranking' });
  });
});
