import { Module } from '@nestjs/common';
import { RateLimitStorageModule } from '../rate-limits/rate-limit.module';
import { StreamConnections } from './stream-connections';
import { StreamGateway } from './stream.gateway';
import { StreamService } from './stream.service';

/** Recognition and detection over a WebSocket (README "Live streams"). */
@Module({ imports: [RateLimitStorageModule], providers: [StreamGateway, StreamService, StreamConnections] })
export class StreamModule {}
