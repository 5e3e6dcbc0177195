import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CallerContext, LockoutsService } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { ApiProblems } from '../common/api-problems.decorator';
import { UuidPipe } from '../common/uuid.pipe';
import { ClearLockoutQueryDto, ListLockoutsQueryDto, LockoutListDto } from './dto/lockout.dto';

@ApiTags('lockouts')
@ApiSecurity('api-key')
@Access('admin')
@Controller('lockouts')
export class LockoutsController {
  constructor(private readonly lockouts: LockoutsService) {}

  @Get()
  @ApiOperation({ summary: 'Verification locks in force: who, locked out for which key, until when (admin)' })
  @ApiOkResponse({ type: LockoutListDto })
  @ApiProblems('COLLECTION_NOT_FOUND')
  list(@Query() query: ListLockoutsQueryDto, @Caller() caller: CallerContext): Promise<LockoutListDto> {
    return this.lockouts.list(query, caller);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: "Lift a person's verification locks and forget their failures, for one key or all (admin, audited)" })
  @ApiNoContentResponse()
  @ApiProblems('USER_NOT_FOUND')
  async clear(@Param('userId', UuidPipe) userId: string, @Query() query: ClearLockoutQueryDto, @Caller() caller: CallerContext): Promise<void> {
    await this.lockouts.clear(userId, query, caller);
  }
}
