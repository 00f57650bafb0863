import { startSimulatedApp } from './support/simulated.js';
import { auth, createSession, createUserKey } from './support/factories.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('a self-hosted server (Ollama) lists the models it has', () => {
  let env: Awaited<ReturnType<typeof startSimulatedApp>>;

  beforeAll(async () => {
    env = await startSimulatedApp();
  });
  afterAll(() => env?.close());

  /** GET /api/models/:id until its availability is known from the server's list (it is read at start). */
  const model = async (id: string): Promise<Json> => {
    const key = (await createUserKey(env.t)).key;
    return (
      await env.t
        .http()
        .get(`/api/models/${encodeURIComponent(id)}`)
        .set(auth(key))
        .expect(200)
    ).body as Json;
  };

  it('should list a curated Ollama model unavailable, not_on_server, until its server has it', async () => {
    env.sim.listModelsAs(['sim-small']);
    await env.restart({ OLLAMA_BASE_URL: `${env.simUrl}/v1` });
    let llama = await model('ollama/llama3.3');
    for (let i = 0; i < 50 && llama.unavailableReason !== 'not_on_server'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      llama = await model('ollama/llama3.3');
    }
    expect(llama).toMatchObject({ available: false, unavailableReason: 'not_on_server' });
    // A run cannot pick it.
    const key = (await createUserKey(env.t)).key;
    const session = await createSession(env.t, key);
    const run = await env.t
      .http()
      .post('/api/orchestrate?wait=true')
      .set(auth(key))
      .send({ sessionId: session.id, prompt: 'Hello', strategy: 'route', models: ['ollama/llama3.3'] })
      .expect(200);
    expect(run.body).toMatchObject({ status: 'failed', error: { errorClass: 'no_model' } });

    // Pulled (Ollama lists it with its tag): available after the next listing (here: a restart).
    env.sim.listModelsAs(['llama3.3:latest']);
    await env.restart({ OLLAMA_BASE_URL: `${env.simUrl}/v1` });
    for (let i = 0; i < 50 && (await model('ollama/llama3.3')).available !== true; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await model('ollama/llama3.3')).toMatchObject({ available: true, unavailableReason: null });
    expect(await model('ollama/qwen3')).toMatchObject({ available: false, unavailableReason: 'not_on_server' });
  });
});
