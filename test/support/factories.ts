import type { TestApp } from './app.js';
import { ADMIN_KEY } from './app.js';

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** Creates a user key through the API, as an admin would. */
export async function createUserKey(t: TestApp, name = 'user'): Promise<{ id: string; key: string; ownerId: string }> {
  const res = await t.http().post('/api/keys').set(auth(ADMIN_KEY)).send({ name, role: 'user' }).expect(201);
  return res.body as { id: string; key: string; ownerId: string };
}

export async function createSession(
  t: TestApp,
  key: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string } & Record<string, unknown>> {
  const res = await t
    .http()
    .post('/api/sessions')
    .set(auth(key))
    .send({ title: 'a session', ...body })
    .expect(201);
  return res.body as { id: string } & Record<string, unknown>;
}

export async function createThread(
  t: TestApp,
  key: string,
  sessionId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string } & Record<string, unknown>> {
  const res = await t
    .http()
    .post('/api/threads')
    .set(auth(key))
    .send({ sessionId, title: 'a thread', ...body })
    .expect(201);
  return res.body as { id: string } & Record<string, unknown>;
}

export async function postMessage(
  t: TestApp,
  key: string,
  threadId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; parentId: string | null } & Record<string, unknown>> {
  const res = await t
    .http()
    .post(`/api/threads/${threadId}/messages`)
    .set(auth(key))
    .send({ role: 'user', content: 'hello', ...body })
    .expect(201);
  return res.body as { id: string; parentId: string | null } & Record<string, unknown>;
}

/** Follows nextCursor until the last page; returns every page's ids. */
export async function collectPages(t: TestApp, key: string, path: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.http().get(url).set(auth(key)).expect(200);
    const body = res.body as { items: { id: string }[]; nextCursor: string | null };
    pages.push(body.items.map((i) => i.id));
    cursor = body.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}
