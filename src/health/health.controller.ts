import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import { Public } from '../auth/principal.js';
import { LivenessDto, ReadinessDto } from './dto/health.dto.js';

const PING_TIMEOUT_MS = 1500;

@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** Liveness: the process answers. */
  @Get()
  live(): LivenessDto {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: the database answers a ping. */
  @Get('ready')
  @ApiServiceUnavailableResponse({ description: 'The database does not answer.' })
  async ready(): Promise<ReadinessDto> {
    const started = Date.now();
    const db = this.connection.db;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (db === undefined) throw new Error('not connected');
      await Promise.race([
        db.admin().command({ ping: 1 }),
        new Promise((_, fail) => {
          timer = setTimeout(() => fail(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      throw new ServiceUnavailableException(`database unavailable: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up', latencyMs: Date.now() - started };
  }
}
