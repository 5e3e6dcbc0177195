import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access } from '../auth/access.decorator';
import { CallerContext } from '@facegate/core';
import { Caller } from '../auth/caller.decorator';
import { Public } from '../auth/public.decorator';
import { ApiProblems } from '../common/api-problems.decorator';
import { buildProblem, sendProblem } from '../common/problem-details';
import { requestIdOf } from '../common/request-id.middleware';
import { HealthDto, ReadinessDto } from './dto/health.dto';
import { StatsDto } from './dto/stats.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ type: HealthDto })
  live(): HealthDto {
    return this.health.live();
  }

  @Public()
  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations applied, models loaded' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiProblems('NOT_READY')
  async ready(@Req() request: Request, @Res() response: Response): Promise<void> {
    const result = await this.health.ready();
    if (result.ready) {
      response.status(200).json(result satisfies ReadinessDto);
      return;
    }
    const detail = result.checks.draining ? 'The service is shutting down.' : 'The service is not ready yet.';
    const problem = { ...buildProblem('NOT_READY', detail, {}, requestIdOf(request)), checks: result.checks };
    sendProblem(response, problem);
  }

  @Get('stats')
  @Access('read')
  @ApiSecurity('api-key')
  @ApiOperation({
    summary: 'Counts, model, index settings and worker pool state',
    description: 'Counts cover only the collections the key may use; the vector index (shared by all collections) is shown to keys bound to no collection.',
  })
  @ApiOkResponse({ type: StatsDto })
  stats(@Caller() caller: CallerContext): Promise<StatsDto> {
    return this.health.stats(caller);
  }
}
