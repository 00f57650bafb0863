import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { KeyCheck } from './key-check.js';
import { ApiKey, ApiKeySchema } from './api-key.schema.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { MeController } from './me.controller.js';
import { Cluster } from '../cluster/cluster.js';
import { KeyLimitsService } from './limits/key-limits.service.js';
import { KeyMeter } from './limits/key-meter.js';
import { LocalKeyMeter } from './limits/local-key-meter.js';
import { RedisKeyMeter } from './limits/redis-key-meter.js';

@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: ApiKey.name, schema: ApiKeySchema }]), AnalyticsModule, AuditModule],
  controllers: [ApiKeysController, MeController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    LocalKeyMeter,
    RedisKeyMeter,
    {
      provide: KeyMeter,
      inject: [Cluster, LocalKeyMeter, RedisKeyMeter],
      useFactory: (cluster: Cluster, local: LocalKeyMeter, redis: RedisKeyMeter) => (cluster.enabled ? redis : local),
    },
    KeyLimitsService,
    KeyCheck,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, KeyLimitsService, KeyCheck],
})
export class AuthModule {}
