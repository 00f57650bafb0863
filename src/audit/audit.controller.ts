import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/principal.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { PageOf, type Page } from '../common/pagination.js';
import { AuditService } from './audit.service.js';
import { AuditEntryDto, ListAuditQueryDto } from './dto/audit.dto.js';

const AuditPage = PageOf(AuditEntryDto, 'AuditPage');

@ApiTags('Audit')
@ApiStandardErrors({ adminOnly: true })
@AdminOnly()
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Admin actions (keys created, changed, revoked; models changed), newest first, with the object before and after. */
  @Get()
  @ApiOkResponse({ type: AuditPage })
  list(@Query() query: ListAuditQueryDto): Promise<Page<AuditEntryDto>> {
    return this.audit.list(query);
  }
}
