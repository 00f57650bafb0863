import { classifyPrompt } from './domain-classifier.js';

describe('classifyPrompt', () => {
  it.each([
    ['Write a Python function that reverses a linked list', 'coding'],
    ['Why does my TypeScript code throw "undefined is not a function"?', 'coding'],
    ['```js\nconst x = foo();\n```\nwhat is wrong here', 'coding'],
    ['Solve the equation 3x + 5 = 20', 'math'],
    ['Prove that there are infinitely many primes', 'math'],
    ['What is the integral of x^2 from 0 to 3?', 'math'],
    ['Write a poem about the sea at night', 'creative'],
    ['Write me a short story about a robot who learns to paint', 'creative'],
    ['Compare the pros and cons of renting versus buying a home', 'analysis'],
    ['Analyze the market trend for electric cars and the risk for investors', 'analysis'],
    [
      'If all bloops are razzies and all razzies are lazzies, then are all bloops lazzies? Explain step by step',
      'reasoning',
    ],
    ['Translate "good morning, how are you?" into French', 'translation'],
    ['Please translate this paragraph to Spanish', 'translation'],
    ['What is the capital of Australia?', 'factual'],
    ['Who invented the telephone and when was it invented?', 'factual'],
    ['Hello there', 'general'],
    ['Tell me something nice', 'general'],
    ['WRITE A PYTHON SCRIPT TO RENAME FILES', 'coding'],
  ])('should classify %j as %s', (prompt, domain) => {
    expect(classifyPrompt(prompt).domain).toBe(domain);
  });

  it('should give its reasons, strongest first, and the complexity', () => {
    const result = classifyPrompt('Translate this sentence into German: the weather is nice');
    expect(result.reasons[0]).toBe('translation: translate (+5)');
    expect(result.reasons.at(-1)).toMatch(/^complexity low: 9 words/);
    expect(result.scores.translation).toBe(8);
  });

  it('should rate a long, demanding prompt as highly complex and a short one as low', () => {
    const long =
      'Design a distributed, scalable architecture for a payment system. ' +
      'Discuss the trade-offs in depth, with failure modes and recovery. '.repeat(6);
    expect(classifyPrompt(long).complexity).toBe('high');
    expect(classifyPrompt('What is 2 + 2?').complexity).toBe('low');
  });
});
