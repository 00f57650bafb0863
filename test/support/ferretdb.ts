import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerretDbProcess } from '../../src/database/ferretdb.process.js';
import { freshDatabaseUri } from './app.js';

/**
 * The FerretDB binary the suite's global setup built, or undefined when it could not be built
 * (the suite runs against MONGODB_URI on a machine without Go).
 */
export const ferretDbBinary = (): string => process.env.ORX_TEST_FERRETDB_BIN as string;

/**
 * `describe` for specs that start FerretDB processes of their own (to stop and restart a database
 * under the app). Reason for the skip: without a FerretDB binary they cannot run at all; the global
 * setup says so when it starts, and every other spec runs against MONGODB_URI.
 */
export const describeWithFerretDb: jest.Describe = process.env.ORX_TEST_FERRETDB_BIN ? describe : describe.skip;

/**
 * A FerretDB process of a spec's own, in a temporary folder, that the spec may kill and start
 * again on the same port with the same data (a database outage under a running app).
 */
export class OwnFerretDb {
  private constructor(
    private db: FerretDbProcess,
    private readonly dataDir: string,
    /** A MONGODB_URI for the app: a fresh database on this server. */
    readonly uri: string,
  ) {}

  static async start(name: string): Promise<OwnFerretDb> {
    const dataDir = mkdtempSync(join(tmpdir(), `orx-${name}-`));
    const db = await FerretDbProcess.start({ binary: ferretDbBinary(), dataDir });
    const uri = new URL(freshDatabaseUri());
    uri.host = `127.0.0.1:${db.port}`;
    return new OwnFerretDb(db, dataDir, uri.toString());
  }

  /** SIGKILL, as a crash. */
  kill(): Promise<unknown> {
    return this.db.kill();
  }

  /** Starts it again on the same port and data. */
  async restart(): Promise<void> {
    this.db = await FerretDbProcess.start({ binary: ferretDbBinary(), dataDir: this.dataDir, port: this.db.port });
  }

  async close(): Promise<void> {
    await this.db.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
