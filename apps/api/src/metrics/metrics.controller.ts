import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsService } from './metrics.service';

@ApiTags('monitoring')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  // Public to the API-key guard (and so to rate limits): MetricsAccessGuard checks the token or the admin key.
  @Public()
  @UseGuards(MetricsAccessGuard)
  @Get('metrics')
  @ApiSecurity('api-key')
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (admin API key bound to no collection, or the FACEGATE_METRICS_TOKEN bearer token)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.render();
    response.status(200).setHeader('Cache-Control', 'no-store').type(this.metrics.contentType).send(body);
  }
}
