import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist, freePort, NodeProcess } from './support/cluster.js';

/**
 * `npm start` as a new user meets it: the built server started in a folder of its own (its `.env`,
 * its embedded database), read by what it prints.
 */
describe('first start: .env, the banner, the admin key', () => {
  const dirs: string[] = [];
  const running: NodeProcess[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'orx-first-start-'));
    dirs.push(dir);
    return dir;
  };
  const start = (cwd: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) => {
    const p = NodeProcess.launch(
      [...args, 'dist/main.js'],
      { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
      cwd,
    );
    running.push(p);
    return p;
  };
  const BANNER = /OrchestrateX is listening on [\s\S]*Settings[^\n]*\n(\s+Admin key[^\n]*\n|[\s\S]*└[^\n]*\n)/;
  const KEY = /│\s+(orx_[A-Za-z0-9_-]{43})\s+│/;

  beforeAll(() => buildDist());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill()));
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('should read .env, let the environment win over it, and print the key once in its banner', async () => {
    const dir = folder();
    const [fromFile, fromEnvironment] = [await freePort(), await freePort()];
    writeFileSync(join(dir, '.env'), `# settings\nPORT=${fromFile}\nHOST=127.0.0.1\nLOG_LEVEL=warn\n`);

    const first = start(dir);
    const banner = await first.printed(BANNER);
    const base = `http://127.0.0.1:${fromFile}`;
    expect(banner).toContain(`OrchestrateX is listening on ${base}`);
    expect(banner).toContain(`Console   ${base}/console`);
    expect(banner).toContain(`API docs  ${base}/docs`);
    expect(banner).toMatch(/Providers none configured[\s\S]*npm run demo[\s\S]*\.env/);
    expect(banner).toContain(`Database  embedded FerretDB, files in ${join(dir, 'data')}`);
    expect(banner).toContain(
      `Settings  the environment and ${join(dir, '.env')} (3 taken from it; the environment wins)`,
    );
    const key = KEY.exec(banner)?.[1] ?? '';
    expect(banner).toContain('Only its SHA-256 hash is kept');
    const keys = await fetch(`${base}/api/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(keys.status).toBe(200);
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/console']);
    await first.kill();

    const again = start(dir, { PORT: String(fromEnvironment) });
    const second = await again.printed(BANNER);
    expect(second).toContain(`listening on http://127.0.0.1:${fromEnvironment}`);
    expect(second).toContain('Admin key the one generated on the first start (only its hash is stored)');
    expect(second).not.toMatch(/orx_[A-Za-z0-9_-]{43}/);
    expect(
      (await fetch(`http://127.0.0.1:${fromEnvironment}/api/keys`, { headers: { authorization: `Bearer ${key}` } }))
        .status,
    ).toBe(200);
  });

  it('should start on .env.example as it is, and make no key on a start that fails', async () => {
    const dir = folder();
    copyFileSync('.env.example', join(dir, '.env'));
    const taken: Server = createServer();
    const takenPort = await freePort();
    await new Promise<void>((done) => taken.listen(takenPort, '127.0.0.1', done));
    try {
      const failing = start(dir, { PORT: String(takenPort), HOST: '127.0.0.1' });
      expect(await failing.exitCode()).toBe(1);
      const said = failing.output.join('');
      expect(said).toContain(`OrchestrateX failed to start: port ${takenPort} on 127.0.0.1 is taken`);
      expect(said).not.toMatch(/orx_[A-Za-z0-9_-]{43}/);
    } finally {
      await new Promise((done) => taken.close(done));
    }

    // The key is made by the start that succeeds, after the failed one: that one made none.
    const port = await freePort();
    const working = start(dir, { PORT: String(port), HOST: '127.0.0.1' });
    const banner = await working.printed(BANNER);
    expect(banner).toContain(`listening on http://127.0.0.1:${port}`);
    expect(banner).toMatch(KEY);
    await working.kill();

    // Loaded the other usual way (`node --env-file`), with no .env in the folder.
    const bare = folder();
    const other = await freePort();
    const loaded = start(bare, { PORT: String(other), HOST: '127.0.0.1' }, [
      `--env-file=${join(process.cwd(), '.env.example')}`,
    ]);
    const text = await loaded.printed(BANNER);
    expect(text).toContain(`listening on http://127.0.0.1:${other}`);
    expect(text).toContain('Settings  the environment (no .env file here)');
    expect((await fetch(`http://127.0.0.1:${other}/health`)).status).toBe(200);
  });
});
