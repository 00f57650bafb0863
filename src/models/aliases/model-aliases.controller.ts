import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, type Principal } from '../../auth/principal.js';
import { ApiStandardErrors } from '../../common/api-errors.decorator.js';
import { ModelAliasDto, SetModelAliasDto } from '../dto/model-alias.dto.js';
import { ModelAliasesService } from './model-aliases.service.js';

const ALIAS_PARAM = {
  name: 'alias',
  description: 'The alias: 1-100 letters, digits or . _ : @ - (no slash)',
  schema: { type: 'string' as const, pattern: '^[A-Za-z0-9][\\w.:@-]{0,99}$', example: 'fast' },
};

@ApiTags('Models')
@ApiStandardErrors()
@Controller('api/model-aliases')
export class ModelAliasesController {
  constructor(private readonly aliases: ModelAliasesService) {}

  /** Every alias and the model it stands for, by name. */
  @Get()
  list(): Promise<ModelAliasDto[]> {
    return this.aliases.list();
  }

  /** Admin: makes `alias` stand for a catalogue id or `orchestratex/<strategy>` on /v1 (or changes it). */
  @Put(':alias')
  @AdminOnly()
  @ApiParam(ALIAS_PARAM)
  set(
    @CurrentPrincipal() actor: Principal,
    @Param('alias') alias: string,
    @Body() dto: SetModelAliasDto,
  ): Promise<ModelAliasDto> {
    return this.aliases.set(actor, alias, dto);
  }

  /** Admin: removes an alias; clients that send it get a 404 naming it. */
  @Delete(':alias')
  @HttpCode(204)
  @AdminOnly()
  @ApiParam(ALIAS_PARAM)
  remove(@CurrentPrincipal() actor: Principal, @Param('alias') alias: string): Promise<void> {
    return this.aliases.remove(actor, alias);
  }
}
