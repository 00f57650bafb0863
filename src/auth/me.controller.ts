import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { ApiKeysService } from './api-keys.service.js';
import { CurrentKeyDto } from './dto/api-key.response.dto.js';
import { CurrentPrincipal, type Principal } from './principal.js';

@ApiTags('API keys')
@ApiStandardErrors()
@Controller('api/me')
export class MeController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key this request is made with (any key): its name, role, limits and what it has spent. */
  @Get()
  current(@CurrentPrincipal() principal: Principal): Promise<CurrentKeyDto> {
    return this.keys.current(principal);
  }
}
