import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { type Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { AppConfig } from '../../src/config/app-config.js';

export const ADMIN_KEY = 'orx_test_admin_key_0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Log lines the app wrote (JSON), for the logging specs. */
  logs: string[];
  /** supertest against the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  db: Connection;
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** A database of its own on the suite's server, so specs never see each other's data. */
export function freshDatabaseUri(): string {
  const base = process.env.ORX_TEST_MONGODB_URI;
  if (!base) throw new Error('ORX_TEST_MONGODB_URI is not set: run the specs through jest (global setup)');
  const url = new URL(base);
  url.pathname = `/orx_test_${randomBytes(6).toString('hex')}`;
  return url.toString();
}

/** Boots the real application (createApp, as in production) against the real database. */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const config = AppConfig.fromEnv({
    MONGODB_URI: freshDatabaseUri(),
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.length > 0),
      );
      done();
    },
  });
  const app = await createApp(config, sink);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = app.get<Connection>(getConnectionToken());
  return {
    app,
    config,
    logs,
    db,
    http: () => request(app.getHttpServer()),
    async close(options = {}) {
      if (!options.keepDatabase && db.readyState === mongoose.STATES.connected)
        await db.dropDatabase().catch(() => undefined);
      await app.close();
    },
  };
}
