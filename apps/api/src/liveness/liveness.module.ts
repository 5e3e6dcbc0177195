import { Module } from '@nestjs/common';
import { LivenessController } from './liveness.controller';

/** The active liveness challenge over HTTP; /verify and /recognize redeem its tokens through the core's LivenessTokenService. */
@Module({ controllers: [LivenessController] })
export class LivenessModule {}
