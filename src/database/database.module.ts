import { BeforeApplicationShutdown, Global, Injectable, Module } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config.js';
import { EmbeddedDatabase } from './embedded-database.service.js';
import { ShutdownDrains } from './shutdown-drains.js';

// Query filters are sanitised (a `{ $ne: … }` sent by a client is taken as a literal value) and a
// filter on an unknown path throws instead of silently matching everything.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

@Module({
  providers: [EmbeddedDatabase],
  exports: [EmbeddedDatabase],
})
class EmbeddedDatabaseModule {}

/** Drains the buffered writes, then closes the connection before the embedded database stops. */
@Injectable()
class ConnectionCloser implements BeforeApplicationShutdown {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly drains: ShutdownDrains,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.drains.run();
    await this.connection.close();
  }
}

@Global()
@Module({
  providers: [ConnectionCloser, ShutdownDrains],
  exports: [ShutdownDrains],
  imports: [
    MongooseModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [EmbeddedDatabase, AppConfig],
      useFactory: async (embedded: EmbeddedDatabase, config: AppConfig) => ({
        uri: await embedded.resolveUri(),
        maxPoolSize: config.dbMaxPoolSize,
        serverSelectionTimeoutMS: 5000,
        heartbeatFrequencyMS: 1000,
        bufferTimeoutMS: 5000,
      }),
    }),
  ],
})
export class DatabaseModule {}
