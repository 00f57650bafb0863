import { Parser } from '@asyncapi/parser';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApiDocument, RUN_EVENT_TYPES } from '../src/orchestration/events/asyncapi.js';

const FILE = join(process.cwd(), 'docs', 'asyncapi.yaml');

describe('docs/asyncapi.yaml', () => {
  const generated = `# Generated from src/orchestration/events/asyncapi.ts by \`npm run asyncapi:write\`; do not edit.\n${stringify(buildAsyncApiDocument())}`;

  it('should be what the event map generates (npm run asyncapi:write updates it)', () => {
    if (process.env.UPDATE_ASYNCAPI === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });

  it('should be a valid AsyncAPI 3 document listing exactly the events the code emits', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(FILE, 'utf8'));
    // Severity 0 is an error (DiagnosticSeverity.Error).
    expect(diagnostics.filter((d) => Number(d.severity) === 0)).toEqual([]);
    expect(document).toBeDefined();
    const operation = document!.operations().get('runEvents');
    const sent = operation!
      .messages()
      .all()
      .map((m) => m.name());
    expect([...sent].sort()).toEqual([...RUN_EVENT_TYPES].sort());
    expect(RUN_EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'run.started',
        'step.delta',
        'step.completed',
        'run.completed',
        'run.failed',
        'run.cancelled',
      ]),
    );
  });
});
