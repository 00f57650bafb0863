import { simulatorProviderEnvironment } from '../../src/config/providers.config.js';
import { UpstreamSimulator } from '../../src/simulator/simulator.js';
import { startApp, type TestApp } from './app.js';

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
