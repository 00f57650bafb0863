import { parseEvaluation } from './evaluation.js';

const scores = { accuracy: 8, relevance: 9, clarity: 7, completeness: 6, domain_expertise: 10 };

describe('parseEvaluation', () => {
  it('should read strict JSON and average the five criteria', () => {
    const result = parseEvaluation(
      JSON.stringify({ scores, strengths: ['clear'], weaknesses: ['short'], suggestions: ['add an example'] }),
    );
    expect(result).toEqual({
      scores,
      score: 8,
      strengths: ['clear'],
      weaknesses: ['short'],
      suggestions: ['add an example'],
      simulated: false,
    });
  });

  it('should find the object inside prose or a code fence, and accept numeric strings and a flat shape', () => {
    const fenced =
      'Here is my review:\n```json\n' + JSON.stringify({ scores, weaknesses: 'too long' }) + '\n```\nThanks';
    expect(parseEvaluation(fenced)).toMatchObject({ score: 8, weaknesses: ['too long'], suggestions: [] });
    const flat = JSON.stringify({
      ...Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, String(v)])),
      note: '{x}',
    });
    expect(parseEvaluation(flat)).toMatchObject({ score: 8 });
  });

  it('should keep the simulated flag the simulator sends', () => {
    expect(parseEvaluation(JSON.stringify({ scores, simulated: true }))).toMatchObject({ simulated: true });
  });

  it.each([
    ['not json at all', /not a JSON object/],
    ['{"scores": {"accuracy": 8}', /not a JSON object/],
    [JSON.stringify({ scores: { ...scores, clarity: 11 } }), /clarity/],
    [JSON.stringify({ scores: { ...scores, accuracy: 'great' } }), /accuracy/],
    [JSON.stringify({ scores: { accuracy: 8, relevance: 9, clarity: 7, completeness: 6 } }), /domain_expertise/],
  ])('should refuse %j', (text, message) => {
    const result = parseEvaluation(text);
    expect('error' in result && result.error).toMatch(message);
  });
});
