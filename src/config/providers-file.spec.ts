import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProvidersFile } from './providers-file.js';

function fileWith(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orx-pf-')), 'providers.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('readProvidersFile', () => {
  it('should enable a provider only when the variable it names holds a key, and one with no key at once', () => {
    const path = fileWith({
      providers: [
        { id: 'hosted', baseUrl: 'https://llm.example.com/v1/', apiKeyVariable: 'HOSTED_KEY' },
        { id: 'local', baseUrl: 'http://127.0.0.1:8080/v1' },
      ],
    });
    const without = readProvidersFile(path, {});
    expect(without.problems).toEqual([]);
    expect(without.providers.map((p) => [p.id, p.enabled, p.baseUrl])).toEqual([
      ['hosted', false, 'https://llm.example.com/v1'],
      ['local', true, 'http://127.0.0.1:8080/v1'],
    ]);
    expect(readProvidersFile(path, { HOSTED_KEY: 'k-123' }).providers[0]).toMatchObject({
      enabled: true,
      apiKey: 'k-123',
    });
  });

  it('should fill a model with defaults and keep what it gives', () => {
    const path = fileWith({
      models: [{ provider: 'openrouter', model: 'qwen/qwen3-max', specialties: { math: 0.8 } }],
    });
    const { models, problems } = readProvidersFile(path, {});
    expect(problems).toEqual([]);
    expect(models[0]).toMatchObject({
      provider: 'openrouter',
      name: 'qwen/qwen3-max',
      qualityPrior: 0.5,
      roles: ['primary'],
      capabilities: [],
      origin: 'providers_file',
    });
    expect(models[0].specialties).toMatchObject({ math: 0.8, coding: 0.5 });
    expect(models[0].pricing).toBeUndefined();
  });

  it('should name every problem with its place', () => {
    const path = fileWith({
      providers: [{ id: 'Bad Id', baseUrl: 'http://x', extra: 1 }],
      models: [
        { provider: 'openai', model: 'm', pricing: { inputPerMTok: -1, outputPerMTok: 1 }, roles: ['boss'] },
        {
          provider: 'openai',
          model: 'm',
          qualityPrior: 3,
          prices: { catalogue: 'genai-prices', provider: 'openai' },
          pricing: { inputPerMTok: 1, outputPerMTok: 1 },
        },
      ],
    });
    const { problems } = readProvidersFile(path, {});
    const text = problems.join('\n');
    expect(text).toMatch(/providers\[0\]\.id: must be lower-case/);
    expect(text).toMatch(/providers\[0\]\.extra: property extra should not exist/);
    expect(text).toMatch(/models\[0\]\.pricing\.inputPerMTok: inputPerMTok must not be less than 0/);
    expect(text).toMatch(/models\[0\]\.roles: each value in roles must be one of/);
    expect(text).toMatch(/models\[1\]\.qualityPrior/);
    expect(text).toMatch(/models\[1\]: openai\/m is listed twice/);
    expect(text).toMatch(/models\[1\]: give either "pricing" or "prices", not both/);
    expect(readProvidersFile(fileWith('[1]'), {}).problems[0]).toMatch(/must hold a JSON object/);
    expect(readProvidersFile('/nonexistent/providers.json', {}).problems[0]).toMatch(/cannot be read/);
  });
});
