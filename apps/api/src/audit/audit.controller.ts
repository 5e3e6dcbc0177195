import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { AuditService, CallerContext } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { AuditPageDto, AuditQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiSecurity('api-key')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access('admin')
  @ApiOperation({ summary: 'Audit events, newest first, with filters and cursor pagination (admin)' })
  @ApiOkResponse({ type: AuditPageDto })
  list(@Query() query: AuditQueryDto, @Caller() caller: CallerContext): Promise<AuditPageDto> {
    return this.audit.list(query, caller);
  }
}
