import type { AppConfig } from './config/app-config.js';
import type { DotEnvReading } from './config/dotenv.js';

/** The admin key as the start found it: generated now (shown once), or one that exists. */
export type AdminKeyState = { generated: string } | { configured: 'environment' | 'stored' };

export interface StartFacts {
  config: AppConfig;
  dotEnv: DotEnvReading;
  admin: AdminKeyState;
}

const label = (name: string, text: string) => `  ${name.padEnd(10)}${text}`;

/** The database as the banner names it: a MongoDB URI shows its hosts only (never credentials). */
function databaseLine(config: AppConfig): string {
  if (config.mongodbUri === undefined) return `embedded FerretDB, files in ${config.dataDir}`;
  const hosts = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(config.mongodbUri)?.[1] ?? 'MONGODB_URI';
  return `MongoDB at ${hosts}`;
}

function providerLines(config: AppConfig): string[] {
  const enabled = config.providers.filter((p) => p.enabled);
  if (enabled.length === 0) {
    return [
      label('Providers', 'none configured: no model can be called, so no run can be made.'),
      label('', 'Try it offline with `npm run demo` (every provider simulated), or set a key'),
      label('', 'such as OPENAI_API_KEY or ANTHROPIC_API_KEY in .env (see .env.example).'),
    ];
  }
  const names = enabled.map((p) => (config.simulatedProviders.has(p.id) ? `${p.id} (simulated)` : p.id));
  return [label('Providers', names.join(', '))];
}

function modeLine(config: AppConfig): string {
  if (config.cluster === null) return 'one process (set REDIS_URL for several instances and workers)';
  return config.cluster.runJobs
    ? 'distributed (REDIS_URL): serves the API and executes runs'
    : 'distributed (REDIS_URL): serves the API; `npm run worker` processes execute the runs';
}

function adminLines(admin: AdminKeyState): string[] {
  if ('configured' in admin) {
    return [
      label(
        'Admin key',
        admin.configured === 'environment'
          ? 'ADMIN_API_KEY (from the environment or .env)'
          : 'the one generated on the first start (only its hash is stored). Lost? Set ADMIN_API_KEY and restart.',
      ),
    ];
  }
  const lines = [
    'No admin key was configured, so one was generated. It is shown only this once:',
    '',
    `  ${admin.generated}`,
    '',
    'Only its SHA-256 hash is kept (the api_keys collection of the database).',
    'Send it as "Authorization: Bearer <key>": in the console, or in /docs → Authorize.',
    'Set ADMIN_API_KEY to choose your own instead.',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  return [
    `  ┌${'─'.repeat(width + 2)}┐`,
    ...lines.map((l) => `  │ ${l.padEnd(width)} │`),
    `  └${'─'.repeat(width + 2)}┘`,
  ];
}

/** What a person reads once the server listens: where to go next, and what is missing. */
export function startBanner({ config, dotEnv, admin }: StartFacts): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `http://${host}:${config.port}`;
  const settings =
    dotEnv.path === null
      ? 'the environment (no .env file here)'
      : `the environment and ${dotEnv.path} (${dotEnv.taken.length} taken from it; the environment wins)`;
  return [
    '',
    `OrchestrateX is listening on ${base}`,
    label('Console', `${base}/console`),
    label('API docs', `${base}/docs`),
    label('Gateway', `${base}/v1 (OpenAI- and Anthropic-compatible)`),
    ...providerLines(config),
    label('Database', databaseLine(config)),
    label('Mode', modeLine(config)),
    label('Settings', settings),
    ...adminLines(admin),
    '',
  ].join('\n');
}
