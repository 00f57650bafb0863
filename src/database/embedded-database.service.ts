import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { ensureFerretDbBinary } from './ferretdb.binary.js';
import { FerretDbProcess } from './ferretdb.process.js';

const DATABASE_NAME = 'orchestratex';
const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10000];

/**
 * Gives the MongoDB URI to connect to: MONGODB_URI when set, otherwise the URI of an embedded
 * FerretDB child process that it starts, restarts if it crashes, and stops with the server.
 */
@Injectable()
export class EmbeddedDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedDatabase.name);
  private process?: FerretDbProcess;
  private shuttingDown = false;

  constructor(private readonly config: AppConfig) {}

  async resolveUri(): Promise<string> {
    if (this.config.mongodbUri !== undefined) return this.config.mongodbUri;
    const binary =
      this.config.ferretdbBin ?? (await ensureFerretDbBinary(this.config.projectRoot, (line) => this.logger.log(line)));
    const running = await this.launch(binary, 0);
    this.logger.log(`Embedded FerretDB listening on 127.0.0.1:${running.port}, data in ${this.dataDir}`);
    return `${running.uri}${DATABASE_NAME}`;
  }

  private get dataDir(): string {
    return join(this.config.dataDir, 'ferretdb');
  }

  private async launch(binary: string, port: number): Promise<FerretDbProcess> {
    const running = await FerretDbProcess.start({
      binary,
      dataDir: this.dataDir,
      port,
      logLevel: 'error',
      onLog: (line) => this.logger.warn(`ferretdb: ${line}`),
    });
    this.process = running;
    void running.exited.then((status) => {
      if (running.isStopping || this.shuttingDown) return;
      this.logger.error(
        `Embedded FerretDB exited unexpectedly (code ${status.code}, signal ${status.signal}); restarting`,
      );
      void this.restart(binary, running.port);
    });
    return running;
  }

  private async restart(binary: string, port: number): Promise<void> {
    for (let attempt = 0; !this.shuttingDown; attempt += 1) {
      await new Promise((r) => setTimeout(r, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]));
      if (this.shuttingDown) return;
      try {
        await this.launch(binary, port);
        this.logger.log(`Embedded FerretDB is back on 127.0.0.1:${port}`);
        return;
      } catch (error) {
        this.logger.error(`Restarting FerretDB failed: ${(error as Error).message}`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.process?.stop();
  }
}
