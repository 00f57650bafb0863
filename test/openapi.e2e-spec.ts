import { validate } from '@readme/openapi-parser';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../src/app.factory.js';
import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';

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

  it('should describe every operation, and give each error status and request body an example of its own', () => {
    type Operation = {
      operationId: string;
      summary?: string;
      description?: string;
      requestBody?: { content: Record<string, { example?: unknown }> };
      responses: Record<string, { content?: Record<string, { example?: { statusCode?: number; message?: string } }> }>;
    };
    const doc = JSON.parse(generated) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.values(item).map((operation) => ({ path, operation })),
    );
    expect(operations.filter(({ operation }) => !operation.summary || !operation.description)).toEqual([]);
    for (const { path, operation } of operations) {
      if (operation.requestBody !== undefined) {
        expect([operation.operationId, Object.values(operation.requestBody.content)[0].example]).not.toEqual([
          operation.operationId,
          undefined,
        ]);
      }
      if (!path.startsWith('/api/')) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status) || response.content === undefined) continue;
        const example = response.content['application/json'].example;
        expect([operation.operationId, status, example?.statusCode]).toEqual([
          operation.operationId,
          status,
          Number(status),
        ]);
      }
    }
    // The 404 names what the route looks up; a route that looks nothing up documents none.
    const run = doc.paths['/api/orchestrate/runs/{id}'].get.responses['404'].content!['application/json'].example!;
    expect(run.message).toBe('run 665f1c2e8b3e4a0012345678 not found');
    expect(doc.paths['/api/analytics/costs'].get.responses['404']).toBeUndefined();
    // The gateway and the metrics are in the document too.
    expect(
      Object.keys(doc.paths)
        .filter((p) => !p.startsWith('/api/') && !p.startsWith('/health'))
        .sort(),
    ).toEqual([
      '/metrics',
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/messages',
      '/v1/messages/count_tokens',
      '/v1/models',
      '/v1/models/{model}',
      '/v1/responses',
    ]);
  });

  it('should give request examples the server accepts', async () => {
    const doc = JSON.parse(generated) as {
      paths: Record<
        string,
        Record<string, { operationId: string; requestBody?: { content: Record<string, { example?: object }> } }>
      >;
    };
    const example = (path: string, method: string) =>
      doc.paths[path][method].requestBody!.content['application/json'].example!;
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const { body: session } = await t
      .http()
      .post('/api/sessions')
      .set(admin)
      .send(example('/api/sessions', 'post'))
      .expect(201);
    await t
      .http()
      .patch(`/api/sessions/${session.id}`)
      .set(admin)
      .send(example('/api/sessions/{id}', 'patch'))
      .expect(200);
    const { body: thread } = await t
      .http()
      .post('/api/threads')
      .set(admin)
      .send({ ...example('/api/threads', 'post'), sessionId: session.id })
      .expect(201);
    await t
      .http()
      .patch(`/api/threads/${thread.id}`)
      .set(admin)
      .send(example('/api/threads/{id}', 'patch'))
      .expect(200);
    await t
      .http()
      .post(`/api/threads/${thread.id}/messages`)
      .set(admin)
      .send(example('/api/threads/{threadId}/messages', 'post'))
      .expect(201);
    const { body: key } = await t.http().post('/api/keys').set(admin).send(example('/api/keys', 'post')).expect(201);
    await t.http().patch(`/api/keys/${key.id}`).set(admin).send(example('/api/keys/{id}', 'patch')).expect(200);
    await t
      .http()
      .patch('/api/models/openai%2Fgpt-5.4-mini')
      .set(admin)
      .send(example('/api/models/{id}', 'patch'))
      .expect(200);
    await t
      .http()
      .post(`/api/sessions/${session.id}/end`)
      .set(admin)
      .send(example('/api/sessions/{id}/end', 'post'))
      .expect(200);
  });
});
