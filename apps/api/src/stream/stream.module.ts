import { Module } from '@nestjs/common';
import { StreamConnections } from './stream-connections';
import { StreamGateway } from './stream.gateway';
import { StreamService } from './stream.service';

/** Recognition and detection over a WebSocket (README "Live streams"). */
@Module({ providers: [StreamGateway, StreamService, StreamConnections] })
export class StreamModule {}
