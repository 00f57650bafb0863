import OpenAI from 'openai';
import { simulatorProviderEnvironment } from '../../src/config/providers.config.js';
import { UpstreamSimulator } from '../../simulator/simulator.js';
import { startApp, type TestApp } from './app.js';
import { createSession, createUserKey } from './factories.js';

/** The app with the six providers pointed at an upstream simulator of its own. */
export async function startSimulatedApp(env: Record<string, string | undefined> = {}): Promise<{
  t: TestApp;
  sim: UpstreamSimulator;
  simUrl: string;
  restart(extra?: Record<string, string | undefined>): Promise<TestApp>;
  close(): Promise<void>;
}> {
  const sim = new UpstreamSimulator();
  const simUrl = await sim.listen(0);
  const box = { t: await startApp({ ...simulatorProviderEnvironment(simUrl), ...env }) };
  return {
    get t() {
      return box.t;
    },
    sim,
    simUrl,
    /** Stops the app and starts it again on the same database (as after a process restart). */
    async restart(extra = {}) {
      const uri = box.t.config.mongodbUri;
      await box.t.close({ keepDatabase: true });
      box.t = await startApp({ ...simulatorProviderEnvironment(simUrl), ...env, ...extra, MONGODB_URI: uri });
      return box.t;
    },
    async close() {
      await box.t.close();
      await sim.close();
    },
  };
}

export type SimulatedApp = Awaited<ReturnType<typeof startSimulatedApp>>;

/**
 * For the describe it is called in: an app on a simulator of its own, a user key and a session
 * (made before the tests, the simulator reset after each, all closed after them). `env` may be a
 * function, called when the app starts (for files the describe makes first).
 */
export function useSimulatedSession(env: Record<string, string> | (() => Record<string, string>) = {}): {
  env: SimulatedApp;
  key: string;
  sessionId: string;
} {
  const context = {} as { env: SimulatedApp; key: string; sessionId: string };
  beforeAll(async () => {
    context.env = await startSimulatedApp(typeof env === 'function' ? env() : env);
    context.key = (await createUserKey(context.env.t)).key;
    context.sessionId = (await createSession(context.env.t, context.key)).id;
  });
  afterEach(() => context.env.sim.reset());
  afterAll(() => context.env.close());
  return context;
}

/** The app on a simulator, listening on a port, with a user key and an openai SDK client of `/v1`. */
export async function startGateway(env: Record<string, string | undefined> = {}): Promise<{
  env: SimulatedApp;
  client: OpenAI;
  key: string;
  baseURL: string;
}> {
  const app = await startSimulatedApp(env);
  await app.t.app.listen({ port: 0, host: '127.0.0.1' });
  const baseURL = `${(await app.t.app.getUrl()).replace('[::1]', '127.0.0.1')}/v1`;
  const key = (await createUserKey(app.t)).key;
  return { env: app, client: new OpenAI({ apiKey: key, baseURL, maxRetries: 0 }), key, baseURL };
}
