import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Jest runs global setup as CommonJS (no module name mapping): hence the paths without extension.
import { ensureFerretDbBinary, FerretDbUnavailableError } from '../../src/database/ferretdb.binary';
import { FerretDbProcess } from '../../src/database/ferretdb.process';

/**
 * Runs the suite against MONGODB_URI when it is set; otherwise builds FerretDB (first run) and
 * starts the one the suite shares in a fresh temporary folder. Some specs start FerretDB processes
 * of their own: with MONGODB_URI and no Go to build FerretDB, they are skipped and the rest runs.
 */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  if (process.env.MONGODB_URI) {
    process.env.ORX_TEST_MONGODB_URI = process.env.MONGODB_URI;
    try {
      process.env.ORX_TEST_FERRETDB_BIN = await ensureFerretDbBinary(root);
    } catch (error) {
      if (!(error instanceof FerretDbUnavailableError)) throw error;
      process.stderr.write(
        'FerretDB cannot be built here (no Go): the specs that start a FerretDB of their own are skipped.\n',
      );
    }
    return;
  }
  const binary = await ensureFerretDbBinary(root);
  process.env.ORX_TEST_FERRETDB_BIN = binary;
  const dataDir = mkdtempSync(join(tmpdir(), 'orx-test-db-'));
  const db = await FerretDbProcess.start({ binary, dataDir, logLevel: 'error' });
  (globalThis as { __ORX_DB__?: { db: FerretDbProcess; dataDir: string } }).__ORX_DB__ = { db, dataDir };
  process.env.ORX_TEST_MONGODB_URI = db.uri;
}
