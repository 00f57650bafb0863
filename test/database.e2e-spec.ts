import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerretDbProcess } from '../src/database/ferretdb.process.js';
import { ADMIN_KEY, startApp, type TestApp } from './support/app.js';
import { describeWithFerretDb, ferretDbBinary, OwnFerretDb } from './support/ferretdb.js';
import { auth, createSession, createThread, postMessage } from './support/factories.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Polls until `check` holds, for at most `ms`; returns whether it did. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 20_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

describeWithFerretDb('Embedded database', () => {
  let dataDir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orx-embedded-'));
  });
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should start FerretDB itself, keep data across a restart, and stop it with the server', async () => {
    t = await startApp({ MONGODB_URI: undefined, DATA_DIR: dataDir });
    const session = await createSession(t, ADMIN_KEY, { title: 'survives restarts' });
    const thread = await createThread(t, ADMIN_KEY, session.id);
    await postMessage(t, ADMIN_KEY, thread.id, { content: 'still here?' });
    const pid = Number(readFileSync(join(dataDir, 'ferretdb', 'ferretdb.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);

    await t.app.close();
    t = undefined;
    expect(alive(pid)).toBe(false);

    t = await startApp({ MONGODB_URI: undefined, DATA_DIR: dataDir });
    const again = await t.http().get(`/api/sessions/${session.id}`).set(auth(ADMIN_KEY)).expect(200);
    expect(again.body.title).toBe('survives restarts');
    const messages = await t.http().get(`/api/threads/${thread.id}/messages`).set(auth(ADMIN_KEY)).expect(200);
    expect(messages.body.items.map((m: { content: string }) => m.content)).toEqual(['still here?']);
  });

  it('should restart FerretDB when it crashes, with the data intact', async () => {
    t = await startApp({ MONGODB_URI: undefined, DATA_DIR: dataDir });
    const session = await createSession(t, ADMIN_KEY);
    const pid = Number(readFileSync(join(dataDir, 'ferretdb', 'ferretdb.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');

    const app = t;
    expect(await eventually(async () => (await app.http().get('/health/ready')).status === 200 && !alive(pid))).toBe(
      true,
    );
    await t.http().get(`/api/sessions/${session.id}`).set(auth(ADMIN_KEY)).expect(200);
    const newPid = Number(readFileSync(join(dataDir, 'ferretdb', 'ferretdb.pid'), 'utf8'));
    expect(newPid).not.toBe(pid);
  });

  it('should refuse a second FerretDB on a data folder in use', async () => {
    const first = await FerretDbProcess.start({ binary: ferretDbBinary(), dataDir });
    try {
      await expect(FerretDbProcess.start({ binary: ferretDbBinary(), dataDir })).rejects.toThrow(
        `The data folder ${dataDir} is in use by another FerretDB process (pid ${first.pid})`,
      );
    } finally {
      await first.stop();
    }
  });

  it('should leave no FerretDB behind when the process that started it is killed', async () => {
    // The parent starts FerretDB with a stdin pipe, as the server does, then dies with SIGKILL.
    const script = `
      const { spawn } = require('node:child_process');
      const db = spawn(process.argv[1], ['--listen-addr=127.0.0.1:0', '--sqlite-url=file:' + process.argv[2] + '/'], { stdio: ['pipe', 'pipe', 'inherit'] });
      db.stdout.once('data', () => { process.stdout.write(String(db.pid) + '\\n'); process.kill(process.pid, 'SIGKILL'); });`;
    const parent = spawn(process.execPath, ['-e', script, ferretDbBinary(), dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((done) =>
      parent.stdout.once('data', (b: Buffer) => done(Number(b.toString().trim()))),
    );
    expect(pid).toBeGreaterThan(0);
    expect(await eventually(() => !alive(pid), 10_000)).toBe(true);
  });
});

describeWithFerretDb('Readiness', () => {
  it('should answer 503 while the database is down and 200 again once it is back, without a restart', async () => {
    const db = await OwnFerretDb.start('ready');
    const t = await startApp({ MONGODB_URI: db.uri });
    try {
      const session = await createSession(t, ADMIN_KEY);
      await t.http().get('/health/ready').expect(200);

      await db.kill();
      expect(await eventually(async () => (await t.http().get('/health/ready')).status === 503)).toBe(true);
      const down = await t.http().get('/health/ready').expect(503);
      expect(down.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(down.body.message).toContain('database unavailable');
      const meanwhile = await t
        .http()
        .get(`/api/sessions/${session.id}`)
        .set(auth(ADMIN_KEY))
        .set('x-request-id', 'while-db-down');
      expect(meanwhile.status).toBe(503);
      expect(meanwhile.body.message).toBe('The database is unavailable; try again shortly');
      // The cause is logged by the error filter under the request's id.
      const logged = t.logs.map((l) => JSON.parse(l) as { requestId?: string; context?: string; msg: string });
      expect(logged.some((l) => l.requestId === 'while-db-down' && l.context === 'Errors')).toBe(true);
      await t.http().get('/health').expect(200);

      await db.restart();
      expect(await eventually(async () => (await t.http().get('/health/ready')).status === 200)).toBe(true);
      await t.http().get(`/api/sessions/${session.id}`).set(auth(ADMIN_KEY)).expect(200);
    } finally {
      await t.close();
      await db.close();
    }
  });
});
