import { validate } from '@readme/openapi-parser';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../src/app.factory.js';
import { startApp, type TestApp } from './support/app.js';

const SPEC_FILE = join(process.cwd(), 'docs', 'openapi.json');

/** Objects with their keys sorted, recursively, so the committed file diffs cleanly. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let generated: string;

  beforeAll(async () => {
    t = await startApp();
    generated = `${JSON.stringify(sorted(buildOpenApiDocument(t.app)), null, 2)}\n`;
    // `npm run openapi:write` regenerates the committed file from the code.
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(SPEC_FILE, generated);
  });
  afterAll(() => t.close());

  it('should match the committed docs/openapi.json (run `npm run openapi:write` after an API change)', () => {
    expect(readFileSync(SPEC_FILE, 'utf8')).toBe(generated);
  });

  it('should be a valid OpenAPI 3 document', async () => {
    const result = await validate(JSON.parse(generated));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('should serve the same document at /docs-json, with stable operation ids and the key schemes', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(`${JSON.stringify(sorted(res.body), null, 2)}\n`).toBe(generated);
    const doc = res.body as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { securitySchemes: object };
    };
    expect(doc.paths['/api/sessions'].post.operationId).toBe('Sessions_create');
    expect(doc.paths['/api/threads/{threadId}/messages'].get.operationId).toBe('Messages_list');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'x-api-key']);
  });

  it('should describe request bodies from the DTOs (the CLI plugin ran)', () => {
    const doc = JSON.parse(generated) as {
      components: { schemas: Record<string, { properties: Record<string, { maximum?: number }> }> };
    };
    expect(doc.components.schemas.SessionSettingsDto.properties.maxIterations.maximum).toBe(10);
    expect(Object.keys(doc.components.schemas.SessionResponseDto.properties)).toContain('lastActivityAt');
  });
});
