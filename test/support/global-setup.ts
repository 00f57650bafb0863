import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Jest runs global setup as CommonJS (no module name mapping): hence the paths without extension.
import { ensureFerretDbBinary } from '../../src/database/ferretdb.binary';
import { FerretDbProcess } from '../../src/database/ferretdb.process';

/**
 * Builds FerretDB when needed (some specs start their own), and starts the one the suite shares in
 * a fresh temporary folder, unless MONGODB_URI names a server to run the suite against instead.
 */
export default async function globalSetup(): Promise<void> {
  const binary = await ensureFerretDbBinary(join(__dirname, '..', '..'));
  process.env.ORX_TEST_FERRETDB_BIN = binary;
  if (process.env.MONGODB_URI) {
    process.env.ORX_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-test-db-'));
  const db = await FerretDbProcess.start({ binary, dataDir, logLevel: 'error' });
  (globalThis as { __ORX_DB__?: { db: FerretDbProcess; dataDir: string } }).__ORX_DB__ = { db, dataDir };
  process.env.ORX_TEST_MONGODB_URI = db.uri;
}
