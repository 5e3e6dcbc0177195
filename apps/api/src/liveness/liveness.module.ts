import { Module } from '@nestjs/common';
import { FaceModule } from '../face/face.module';
import { LivenessController } from './liveness.controller';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository } from './liveness-sessions.repository';
import { LivenessTokenService } from './liveness-token.service';
import { LivenessService } from './liveness.service';

/** The active liveness challenge and the tokens it mints; /verify and /recognize redeem them through LivenessTokenService. */
@Module({
  imports: [FaceModule],
  controllers: [LivenessController],
  providers: [LivenessService, LivenessTokenService, LivenessSessionsRepository, LivenessSecretsService],
  exports: [LivenessTokenService],
})
export class LivenessModule {}
