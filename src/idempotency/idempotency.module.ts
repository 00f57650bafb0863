import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { IdempotencyRecord, IdempotencyRecordSchema } from './idempotency-record.schema.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { InFlightLeases } from './in-flight-leases.js';
import { IdempotencyInterceptor } from './idempotent.decorator.js';

/** Idempotency-Key for the routes marked @Idempotent(): global, as every create route uses it. */
@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: IdempotencyRecord.name, schema: IdempotencyRecordSchema }])],
  providers: [IdempotencyRepository, IdempotencyService, IdempotencyInterceptor, InFlightLeases],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}
