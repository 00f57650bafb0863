import base from './jest.config.js';

/**
 * `npm run test:real-model`: every strategy on a real language model (SmolLM2-135M on
 * node-llama-cpp, one thread), through the OpenAI-compatible provider path. Minutes, not seconds.
 */
export default {
  ...base,
  testRegex: 'test/real-model/.*\\.real-spec\\.ts$',
  testTimeout: 600_000,
};
