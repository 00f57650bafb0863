import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import { Public } from '../auth/principal.js';
import { pingDatabase } from '../database/database-ping.js';
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
    try {
      const latencyMs = await pingDatabase(this.connection, PING_TIMEOUT_MS);
      return { status: 'ok', database: 'up', latencyMs };
    } catch (error) {
      throw new ServiceUnavailableException(`database unavailable: ${(error as Error).message}`);
    }
  }
}
