import { rmSync } from 'node:fs';
import type { FerretDbProcess } from '../../src/database/ferretdb.process';

export default async function globalTeardown(): Promise<void> {
  const shared = (globalThis as { __ORX_DB__?: { db: FerretDbProcess; dataDir: string } }).__ORX_DB__;
  if (shared === undefined) return;
  await shared.db.stop();
  rmSync(shared.dataDir, { recursive: true, force: true });
}
