import { Controller, Get, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { ApiStandardErrors } from '../common/api-errors.decorator.js';
import { ErrorEnvelope } from '../common/error-envelope.js';
import { PageOf, type Page } from '../common/pagination.js';
import { ObjectIdParam } from '../common/parse-object-id.pipe.js';
import { ListRequestsQueryDto, RequestRecordDto } from './dto/requests.dto.js';
import { RequestsService } from './requests.service.js';

const RequestPage = PageOf(RequestRecordDto, 'RequestPage');

/** The request log: what each model call was, how it went and what it cost. */
@ApiTags('Requests')
@ApiStandardErrors()
@Controller('api/requests')
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  /** Model calls, newest first: a user key's owner's, or (admin) everyone's; filters narrow them. */
  @Get()
  @ApiOkResponse({ type: RequestPage })
  @ApiForbiddenResponse({ type: ErrorEnvelope, description: 'A user key named another owner in ownerId.' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListRequestsQueryDto,
  ): Promise<Page<RequestRecordDto>> {
    return this.requests.list(principal, query);
  }

  /** One model call with its attempts, fallbacks, error, timings, tokens and cost. */
  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @ObjectIdParam('id') id: string): Promise<RequestRecordDto> {
    return this.requests.get(principal, id);
  }
}
