import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { ProviderResponseDto } from './dto/provider.response.dto.js';
import { ProvidersService } from './providers.service.js';

@ApiTags('Providers')
@ApiStandardErrors()
@Controller('api/providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  /** Every known provider: configured or not, base URL (no secrets), recent error rate, cooldowns. */
  @Get()
  list(): ProviderResponseDto[] {
    return this.providers.list();
  }
}
