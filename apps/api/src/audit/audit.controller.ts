import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { Caller, CallerContext } from '../auth/caller-context';
import { ApiProblems, COMMON_PROBLEMS } from '../common/api-problems.decorator';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { AuditRepository } from './audit.repository';
import { AuditPageDto, AuditQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiSecurity('api-key')
@ApiProblems(...COMMON_PROBLEMS)
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @Access('admin')
  @ApiOperation({ summary: 'Audit events, newest first, with filters and cursor pagination (admin)' })
  @ApiOkResponse({ type: AuditPageDto })
  async list(@Query() query: AuditQueryDto, @Caller() caller: CallerContext) {
    // A key bound to collections sees only their events.
    if (query.collection && caller.collections.length > 0 && !caller.collections.includes(query.collection)) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const filter = { ...query, collections: caller.collections.length > 0 ? caller.collections : undefined };
    const { rows, more } = await this.audit.list(filter, limit, query.cursor ? decodeCursor(query.cursor) : undefined);
    const last = rows[rows.length - 1];
    return { items: rows, nextCursor: more && last ? encodeCursor(last) : null };
  }
}
